"""The Credentials document (``kind: Credentials``, exactly one): its model and the account's credentials.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). It must be in
a sops-encrypted file, and its tokens must be encrypted in any document; without the key to
decrypt it, its values are not read (the configuration then has no credentials).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import AwareDatetime, Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reconciler.errors import Diagnostic
from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict, encrypted_and_unchecked
from reconciler.kinds.documents import DocumentKind, OnlyOne
from reconciler.models.declared import Source
from reconciler.models.desired import Credentials, TokenOverride
from reconciler.models.secret import Secret
from reconciler.models.source_document import SourceDocument

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class CredentialsSpec(Strict):
    """The CJ account; the file holding it must be sops-encrypted."""

    email: str = Field(description="the CJ account's email (encrypted by the example .sops.yaml)")
    api_token: str = Field(min_length=1, description="the CJ API key; must be sops-encrypted")
    check_account_email: StrictBool = Field(default=True, description="fail when the token belongs to another account")
    access_token: str | None = Field(default=None, description="token override (advanced); must be encrypted")
    access_token_expiry: AwareDatetime | None = None
    refresh_token: str | None = Field(default=None, description="token override (advanced); must be encrypted")
    refresh_token_expiry: AwareDatetime | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str, info: ValidationInfo) -> str:
        if encrypted_and_unchecked(value, info) or _EMAIL.fullmatch(value):
            return value
        raise PydanticCustomError("email", "not an email address")

    @field_validator("api_token", "access_token", "refresh_token")
    @classmethod
    def _token(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or encrypted_and_unchecked(value, info):
            return value
        if not value.strip() or any(ch.isspace() for ch in value):
            raise PydanticCustomError("token", "must be a single word without spaces")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> CredentialsSpec:
        if (self.access_token is None) != (self.access_token_expiry is None):
            raise PydanticCustomError("override", "accessToken and accessTokenExpiry must be given together")
        if (self.refresh_token is None) != (self.refresh_token_expiry is None):
            raise PydanticCustomError("override", "refreshToken and refreshTokenExpiry must be given together")
        return self


class CredentialsDocument(Document):
    """kind: Credentials."""

    kind: Literal["Credentials"]
    metadata: Metadata
    spec: CredentialsSpec


class _Credentials(OnlyOne[CredentialsDocument]):
    kind = "Credentials"
    model = CredentialsDocument

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        """Sets ``ctx.credentials`` (None when the values could not be read or are wrong)."""
        if not self.found:
            ctx.diagnostics.append(
                Diagnostic(
                    "(manifests)",
                    None,
                    "",
                    "no Credentials document; add one (kind: Credentials) in a sops-encrypted file",
                )
            )
            return {}
        found = self.the_one(ctx)
        if found is not None:
            ctx.credentials = _credentials(*found)
        return {}


def _credentials(doc: SourceDocument, parsed: CredentialsDocument) -> Credentials:
    spec = parsed.spec
    override = None
    if spec.access_token is not None or spec.refresh_token is not None:
        override = TokenOverride(
            access_token=_secret(spec.access_token),
            access_token_expiry=spec.access_token_expiry,
            refresh_token=_secret(spec.refresh_token),
            refresh_token_expiry=spec.refresh_token_expiry,
        )
    return Credentials(
        email=Secret(spec.email),
        api_token=Secret(spec.api_token),
        check_account_email=spec.check_account_email,
        override=override,
        source=Source(doc.display, doc.line_of(())),
        file=doc.file,
    )


def _secret(value: str | None) -> Secret | None:
    return None if value is None else Secret(value)


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Credentials",
        model=CredentialsDocument,
        collector=_Credentials,
        position=0,
        how_many="exactly one",
        notes="must be in a sops-encrypted file; `apiToken` and token overrides must be encrypted",
        secret=True,
        must_be_encrypted=("apiToken", "accessToken", "refreshToken"),
        account=True,
    ),
)
