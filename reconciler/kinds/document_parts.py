"""The pieces every manifest document model is built from (apiVersion ``cjrec/v1``).

Imported by the kinds' document modules (``reconciler/kinds/<kind>/document.py``), which
build their pydantic models from :class:`Strict`, :class:`Metadata` and :class:`Document`,
and by the manifest validator and schema (``reconciler/manifest/``). Field names are
camelCase in YAML. Values that sops encrypted (``ENC[…]``) pass the content checks when the
validator runs without a key: it says so.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

API_VERSION = "cjrec/v1"
NAME_PATTERN = r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$"

Amount = Annotated[Decimal, Field(allow_inf_nan=False)]


def is_encrypted_value(value: object) -> bool:
    """True for a value sops encrypted (``ENC[AES256_GCM,…]``)."""
    return isinstance(value, str) and value.startswith("ENC[") and value.endswith("]")


def encrypted_and_unchecked(value: object, info: ValidationInfo) -> bool:
    """True for an encrypted value the validator could not decrypt (its content is not checked)."""
    return bool(info.context and info.context.get("encrypted")) and is_encrypted_value(value)


def https_url(value: str, what: str) -> str:
    """``value`` when it is an https:// URL with a host, else a field error naming ``what``."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise PydanticCustomError("https_url", f"{what} must be an https:// URL that CJ can fetch (got {value[:80]!r})")
    return value


def positive(value: Decimal | None, what: str) -> Decimal | None:
    """``value`` when it is absent or greater than 0, else a field error naming ``what``."""
    if value is not None and value <= 0:
        raise PydanticCustomError("positive", f"{what} must be greater than 0 (got {value})")
    return value


class Strict(BaseModel):
    """A part of a document: unknown fields are errors, YAML names are camelCase, values are frozen."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True)


class Metadata(Strict):
    """Names a document; names are unique per kind."""

    name: str = Field(
        description="lowercase letters, digits, '.', '_' and '-'; at most 63 characters",
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(NAME_PATTERN, value):
            raise PydanticCustomError(
                "name",
                "names use lowercase letters, digits, '.', '_' and '-', start and end with a letter or digit, at most 63",
            )
        return value


class Document(Strict):
    """The envelope every document shares; each kind adds ``kind``, ``metadata`` and ``spec``."""

    api_version: Literal["cjrec/v1"]


def name_of(data: dict[str, Any]) -> str | None:
    """The document's metadata.name when that part of it is valid (a document with a structure error)."""
    try:
        return Metadata.model_validate(data.get("metadata")).name
    except ValidationError:
        return None
