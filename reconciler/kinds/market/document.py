"""The Market document (``kind: Market``): its model and how its documents become the markets.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). A Market's name
is unique and so is its country (one Market per country); markets are keyed by country,
which is what a Pricing rule's ``includeShipping`` names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.market.model import KIND
from reconciler.models.declared import Source
from reconciler.models.markets import Market
from reconciler.models.source_document import SourceDocument

COUNTRY_PATTERN = r"^[A-Z]{2}$"


class MarketSpec(Strict):
    """A country the store sells to, and how fast and cheap shipping there must be."""

    country: str = Field(pattern=COUNTRY_PATTERN, description="ISO 3166 two-letter code, e.g. US")
    max_days: StrictInt = Field(ge=1, le=120, description="most transit days (the upper bound of CJ's aging)")
    max_shipping: Decimal = Field(ge=0, max_digits=10, decimal_places=2, description="most shipping cost, USD")
    from_: list[str] = Field(
        default_factory=lambda: ["CN"],
        alias="from",
        min_length=1,
        description="warehouse countries to ship from (default [CN]), e.g. [CN, US]",
    )

    @field_validator("from_")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(COUNTRY_PATTERN, origin):
                raise PydanticCustomError("country", f"{origin!r} is not a two-letter country code such as CN")
        if len(set(value)) != len(value):
            raise PydanticCustomError("country", "each origin once")
        return value


class MarketDocument(Document):
    """kind: Market (one per country)."""

    kind: Literal["Market"]
    metadata: Metadata
    spec: MarketSpec


NAMES = "Market"  # the namespace of Market names (the kind's items are keyed by country)


class _Markets(Collector):
    def __init__(self) -> None:
        self.markets: dict[str, Market] = {}  # by country

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, MarketDocument)
        name, spec = parsed.metadata.name, parsed.spec
        if ctx.declared_twice(doc, ("metadata", "name"), NAMES, name, subject=f"a Market named {name!r}"):
            return
        ctx.declare(NAMES, name, Source(doc.display, doc.line_of(())))
        if ctx.declared_twice(
            doc,
            ("spec", "country"),
            KIND,
            spec.country,
            subject=f"market {spec.country}",
            tail="; one Market per country",
        ):
            return
        source = Source(doc.display, doc.line_of(("spec", "country")))
        ctx.declare(KIND, spec.country, source)
        self.markets[spec.country] = Market(
            name=name,
            country=spec.country,
            max_days=spec.max_days,
            max_shipping=spec.max_shipping,
            origins=tuple(spec.from_),
            source=source,
        )

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        """Its country still counts as declared: an ``includeShipping`` naming it is no error."""
        spec = data.get("spec")
        country = spec.get("country") if isinstance(spec, dict) else None
        if isinstance(country, str):
            ctx.broken(KIND, country)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {KIND: dict(self.markets)}


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Market",
        model=MarketDocument,
        collector=_Markets,
        position=2,
        how_many="any",
        notes="names are unique; one Market per country",
    ),
)
