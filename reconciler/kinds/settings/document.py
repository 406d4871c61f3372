"""The Settings document (``kind: Settings``, at most one): its model and the account's settings.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). Without a
Settings document (or with a wrong one, reported) the defaults apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, StrictBool, StrictInt, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import (
    Amount,
    Document,
    Metadata,
    Strict,
    encrypted_and_unchecked,
    https_url,
    is_encrypted_value,
)
from reconciler.kinds.documents import DocumentKind, OnlyOne
from reconciler.models.declared import Source
from reconciler.models.desired import DriftThresholds, LogoStore, Settings
from reconciler.models.receiver_url import MAKE_ONE, token_problem
from reconciler.models.secret import Secret
from reconciler.models.state_location import LocationError, parse_location, parse_s3_url

MAX_QPS = 10


class DriftSpec(Strict):
    """Material drift: the daily drift job (``apply --refresh-only --detailed-exitcode``) fails only for these."""

    cost_change_percent: Amount = Field(
        default=Decimal(10), ge=0, description="a selected variant's cost moved by this many percent or more"
    )
    variant_gone: StrictBool = Field(default=True, description="a selected variant is gone at CJ")
    off_sale: StrictBool = Field(default=True, description="the product is off sale or unavailable at CJ")
    below_min_margin: StrictBool = Field(
        default=True, description="a recorded store price's margin fell below the rule's minMargin"
    )


def _qps(value: object) -> float | Literal["auto"]:
    """``auto`` or a number of requests per second in (0, 10]."""
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "qps", "must be auto (the account's limit, from CJ) or a number of requests per second"
        )
    if not 0 < value <= MAX_QPS:  # NaN fails too
        raise PydanticCustomError("qps", f"must be greater than 0 and at most {MAX_QPS} requests per second (or auto)")
    return float(value)


Qps = Annotated[
    float | Literal["auto"],
    PlainValidator(_qps),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": "auto"},
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QPS},
            ],
        }
    ),
]


class LogoStoreSpec(Strict):
    """Where apply publishes `file:` logos that have no `publicUrl`: a bucket prefix and its public address."""

    url: str = Field(description="s3://BUCKET/PREFIX/ the logos are uploaded to, as PREFIX<sha256>.<ext>")
    public_base_url: str = Field(description="https://…/ under which the uploaded logos are public (ends with /)")

    @field_validator("url")
    @classmethod
    def _s3(cls, value: str) -> str:
        try:
            parse_s3_url(value)
        except LocationError as exc:
            raise PydanticCustomError("logo_store", str(exc)) from None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        https_url(value, "publicBaseUrl")
        if not value.endswith("/") or "?" in value or "#" in value:
            raise PydanticCustomError(
                "logo_store",
                "publicBaseUrl must end with '/' and have no query: the logo's file name is appended to it",
            )
        return value


class SettingsSpec(Strict):
    """How cjrec may use the account."""

    qps: Qps = Field(
        default="auto",
        description="requests per second: auto (default) uses the account's limit as CJ reports it "
        "(setting/get qpsLimit; 1 if CJ does not say); a number (CJ tiers 1, 2, 4, 6) is used as given, "
        "capped at the account's limit",
    )
    points_budget: StrictInt = Field(default=20_000, ge=0, description="most API points one run may spend")
    sourcing_per_day: StrictInt = Field(
        default=5, ge=0, le=1000, description="most sourcing requests filed per UTC day (CJ accepts 5)"
    )
    refresh_budget: StrictInt | None = Field(
        default=None,
        ge=10,
        description="points a refresh may spend on product details (10 each), least recently checked first; "
        "absent: a refresh checks every product",
    )
    drift: DriftSpec = Field(default_factory=DriftSpec, description="what makes drift material")
    state: str | None = Field(
        default=None,
        min_length=1,
        description="where the state lives: a folder (default `state`) or s3://BUCKET/PREFIX; "
        "--state-dir / CJREC_STATE_DIR override it",
    )

    logo_store: LogoStoreSpec | None = Field(
        default=None, description="host `file:` logos without `publicUrl` in S3-compatible storage (uploaded by apply)"
    )
    receiver_token: str | None = Field(
        default=None,
        description="the path token of `cjrec receive` (POST /cj/<token>) and of Webhooks `url: {receiver: …}`; "
        "must be sops-encrypted (Settings in a *.sops.yaml file); CJREC_RECEIVER_TOKEN wins over it for the receiver",
    )

    @field_validator("receiver_token")
    @classmethod
    def _receiver_token(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or encrypted_and_unchecked(value, info):
            return value
        problem = token_problem(value)
        if problem is not None:
            raise PydanticCustomError("receiver_token", f"{problem}; make one with `{MAKE_ONE}`")
        return value

    @field_validator("state")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_location(value)
            except LocationError as exc:
                raise PydanticCustomError("state_location", str(exc)) from None
        return value


class SettingsDocument(Document):
    """kind: Settings (optional, at most one)."""

    kind: Literal["Settings"]
    metadata: Metadata | None = None
    spec: SettingsSpec = Field(default_factory=SettingsSpec)


class _Settings(OnlyOne[SettingsDocument]):
    kind = "Settings"
    model = SettingsDocument

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        """Sets ``ctx.settings`` (the defaults without a well-formed Settings document)."""
        found = self.the_one(ctx)
        if found is None:
            return {}  # none, or its structure errors are reported: the defaults
        doc, parsed = found
        spec = parsed.spec
        drift = DriftThresholds(
            cost_change_percent=spec.drift.cost_change_percent,
            variant_gone=spec.drift.variant_gone,
            off_sale=spec.drift.off_sale,
            below_min_margin=spec.drift.below_min_margin,
        )
        ctx.settings = Settings(
            qps=None if spec.qps == "auto" else float(spec.qps),
            points_budget=spec.points_budget,
            source=Source(doc.display, doc.line_of(())),
            refresh_budget=spec.refresh_budget,
            drift=drift,
            sourcing_per_day=spec.sourcing_per_day,
            state=spec.state,
            state_line=doc.line_of(("spec", "state")) if spec.state is not None else None,
            logo_store=None
            if spec.logo_store is None
            else LogoStore(
                url=parse_s3_url(spec.logo_store.url).url(), public_base_url=spec.logo_store.public_base_url
            ),
            # still ENC[…] when no sops key could decrypt it: declared (its source says where), not usable
            receiver_token=None
            if spec.receiver_token is None or is_encrypted_value(spec.receiver_token)
            else Secret(spec.receiver_token),
            receiver_token_source=None
            if spec.receiver_token is None
            else Source(doc.display, doc.line_of(("spec", "receiverToken"))),
        )
        return {}


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Settings",
        model=SettingsDocument,
        collector=_Settings,
        position=5,
        how_many="at most one",
        notes="`metadata` optional; `receiverToken` must be encrypted",
        must_be_encrypted=("receiverToken",),
        account=True,
    ),
)
