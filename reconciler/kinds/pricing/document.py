"""The Pricing document (``kind: Pricing``): its model and how its documents become the Pricing rules.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). A rule's name
is unique; its tiers are in order of ``upTo`` with the last one open; at most one rule is
the default; ``includeShipping`` must name a Market's country (resolved at the finish).
Products name a rule with ``pricing:`` (``reconciler/kinds/product/selling.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from reconciler.kinds.declarations import Declarations, Reference
from reconciler.kinds.document_parts import Amount, Document, Metadata, Strict, name_of, positive
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.market.model import KIND as MARKET
from reconciler.kinds.pricing.model import KIND
from reconciler.models.declared import Source
from reconciler.models.pricing import CompareAt, Fees, PricingRule, Tier
from reconciler.models.source_document import SourceDocument

CENTS_CHOICES = ("0.99", "0.95", "0.90", "whole")


class TierSpec(Strict):
    """Cost base up to ``upTo`` USD (inclusive; the last tier has none): ``× multiplier + add``."""

    up_to: Amount | None = Field(default=None, description="inclusive upper bound of the cost base, USD")
    multiplier: Amount | None = Field(default=None, description="the cost base is multiplied by this")
    add: Amount | None = Field(default=None, description="then this is added (USD)")

    @field_validator("up_to", "multiplier")
    @classmethod
    def _positive_fields(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        return positive(value, to_camel(info.field_name or "value"))

    @model_validator(mode="after")
    def _something(self) -> TierSpec:
        if self.multiplier is None and self.add is None:
            raise PydanticCustomError("tier", "a tier needs a `multiplier`, an `add` or both")
        return self


class FeesSpec(Strict):
    """The store's fees on a sale: ``percent`` of the price plus ``fixed`` (store currency)."""

    percent: Amount = Field(default=Decimal(0), ge=0, lt=100)
    fixed: Amount = Field(default=Decimal(0), ge=0)


class CompareAtSpec(Strict):
    """The compare-at price: the final price × ``multiplier`` or + ``add``, then the same cents rule."""

    multiplier: Amount | None = Field(default=None, gt=0)
    add: Amount | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> CompareAtSpec:
        if (self.multiplier is None) == (self.add is None):
            raise PydanticCustomError("compare_at", "give exactly one of `multiplier` or `add`")
        return self


class PricingSpec(Strict):
    """Store prices recomputed from CJ's costs on every plan."""

    tiers: list[TierSpec] = Field(min_length=1, description="in order of `upTo`; the last has no `upTo`")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="the store currency (ISO 4217)")
    exchange_rate: Amount | None = Field(default=None, gt=0, description="store currency per USD (fixed)")
    cents: str | None = Field(
        default=None,
        description="0.99, 0.95, 0.90 (the smallest price >= x ending so), whole; absent: 2 decimals",
        json_schema_extra={"enum": list(CENTS_CHOICES)},
    )
    compare_at: CompareAtSpec | None = None
    fees: FeesSpec | None = None
    min_profit: Amount | None = Field(default=None, ge=0, description="profit floor after fees (store currency)")
    min_margin: Amount | None = Field(default=None, description="warn when a price leaves less (store currency)")
    default: StrictBool = Field(default=False, description="used by the products that name no rule")
    include_shipping: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="a Market's country: the product's cheapest qualifying shipping quote there joins the cost base",
    )

    @field_validator("cents", mode="before")
    @classmethod
    def _cents(cls, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value == "whole":
            return value
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                number = None
            if number is not None:
                for choice in CENTS_CHOICES[:3]:
                    if number == Decimal(choice):
                        return choice
        raise PydanticCustomError(
            "cents", f"cents must be one of 0.99, 0.95, 0.90 or whole, or left out for 2 decimals (got {value!r})"
        )

    @model_validator(mode="after")
    def _rate(self) -> PricingSpec:
        if self.currency != "USD" and self.exchange_rate is None:
            raise PydanticCustomError(
                "exchange_rate", f"currency {self.currency} needs an `exchangeRate` ({self.currency} per USD)"
            )
        return self


class PricingDocument(Document):
    """kind: Pricing (named; products pick one with `pricing: NAME`, one may be `default: true`)."""

    kind: Literal["Pricing"]
    metadata: Metadata
    spec: PricingSpec


UNKNOWN_MARKET = (
    "includeShipping {name!r} names no Market (markets: {known}); add a `kind: Market` with "
    "`country: {name}` so cjrec quotes shipping there"
)

UNUSED = (
    "Pricing rule {name!r} prices no product: it is not `default: true` and no Products item names it "
    "(`pricing: {name}`); add `pricing: {name}` to the items it should price, or `default: true` to "
    "price every item that names no rule"
)


class _PricingRules(Collector):
    def __init__(self) -> None:
        self.rules: dict[str, PricingRule] = {}

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, PricingDocument)
        name, spec = parsed.metadata.name, parsed.spec
        if ctx.declared_twice(doc, ("metadata", "name"), KIND, name, subject=f"a Pricing rule named {name!r}"):
            return
        if not _tiers_in_order(doc, spec, ctx):
            ctx.broken(KIND, name)
            return
        rate = spec.exchange_rate if spec.exchange_rate is not None else Decimal(1)
        source = Source(doc.display, doc.line_of(()))
        ctx.declare(KIND, name, source)
        self.rules[name] = PricingRule(
            name=name,
            tiers=tuple(Tier(t.up_to, t.multiplier, t.add) for t in spec.tiers),
            currency=spec.currency,
            exchange_rate=rate,
            cents=spec.cents,
            compare_at=CompareAt(spec.compare_at.multiplier, spec.compare_at.add) if spec.compare_at else None,
            fees=Fees(spec.fees.percent, spec.fees.fixed) if spec.fees else None,
            min_profit=spec.min_profit,
            min_margin=spec.min_margin,
            default=spec.default,
            source=source,
            include_shipping=spec.include_shipping,
        )
        if spec.include_shipping is not None:
            ctx.refer(MARKET, Reference(doc, ("spec", "includeShipping"), spec.include_shipping, UNKNOWN_MARKET))
        if not spec.default:
            ctx.used_only_if_named(
                KIND, name, Source(doc.display, doc.line_of(("metadata", "name"))), UNUSED.format(name=name)
            )
        if spec.default:
            ctx.default(
                KIND,
                name,
                Source(doc.display, doc.line_of(("spec", "default"))),
                subject="Pricing rule",
                advice="; keep `default: true` on one rule",
            )

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        name = name_of(data)
        if name is not None:
            ctx.broken(KIND, name)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {KIND: dict(self.rules)}


def _tiers_in_order(doc: SourceDocument, spec: PricingSpec, ctx: Declarations) -> bool:
    """True when every tier but the last has an ``upTo``, increasing; else the errors."""
    ok = True
    previous: Decimal | None = None
    for i, tier in enumerate(spec.tiers):
        last = i == len(spec.tiers) - 1
        if tier.up_to is None and not last:
            ctx.error(
                doc,
                ("spec", "tiers", i + 1),
                f"tier {i + 2} comes after the open tier {i + 1} (the one without `upTo`), so no cost reaches it; "
                "give every tier but the last an `upTo`",
            )
            return False
        if tier.up_to is not None and last:
            ctx.error(
                doc,
                ("spec", "tiers", i, "upTo"),
                f"the last tier has `upTo: {tier.up_to}`, so costs above it have no price; "
                "drop `upTo` from the last tier (it takes every higher cost)",
            )
            ok = False
        if tier.up_to is not None and previous is not None and tier.up_to <= previous:
            ctx.error(
                doc,
                ("spec", "tiers", i, "upTo"),
                f"`upTo: {tier.up_to}` is not above the previous tier's `upTo: {previous}`; "
                "list the tiers with increasing `upTo`",
            )
            ok = False
        if tier.up_to is not None:
            previous = tier.up_to
    return ok


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Pricing",
        model=PricingDocument,
        collector=_PricingRules,
        position=4,
        how_many="any",
        notes="names are unique; at most one `default: true`; products name one with `pricing:`",
    ),
)
