"""The item of a Products document, as pydantic models: a CJ product or a product CJ is asked to source.

One YAML shape serves both (``productUrl`` or ``sourceUrl``, the rest shared), so the
editor's JSON Schema and the field errors stay those of one object; :meth:`ProductItem.parts`
gives the union the kinds' rules work with: a :class:`CjItem` (the product kind,
``reconciler/kinds/product/document.py``) or a :class:`SourcedItem` (the sourcing kind,
``reconciler/kinds/sourcing/document.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from reconciler.kinds.document_parts import NAME_PATTERN, Amount, Strict, https_url, positive
from reconciler.models.cj_limits import SOURCING_TEXT_MAX
from reconciler.models.product_url import ProductUrlError, pid_from_url

_SOURCING_ONLY = ("name", "image", "remark", "source_price", "sourcing_id")


def is_cj_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "cjdropshipping.com" or host.endswith(".cjdropshipping.com")


class VariantSelectionSpec(Strict):
    """Which variants the store sells: each entry a variantKey (``Black-XL``) or a variant SKU, ``*`` globs allowed."""

    include: list[str] = Field(default_factory=list, description="sell only the variants matching an entry")
    exclude: list[str] = Field(default_factory=list, description="never sell the variants matching an entry")

    @field_validator("include", "exclude")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip():
                raise PydanticCustomError("variant_entry", "an entry must name a variantKey or a SKU, not be empty")
        return value


class ProductItem(Strict):
    """One product: ``productUrl`` (a CJ product), or ``sourceUrl`` (a product CJ is asked to source)."""

    product_url: str | None = Field(default=None, description="https://cjdropshipping.com/product/<name>-p-<id>.html")
    source_url: str | None = Field(
        default=None,
        description="a product page elsewhere (AliExpress, Amazon, 1688…) CJ is asked to source; needs name and image",
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=SOURCING_TEXT_MAX, description="with sourceUrl: the product's name"
    )
    image: str | None = Field(
        default=None, max_length=SOURCING_TEXT_MAX, description="with sourceUrl: an https image URL of the product"
    )
    remark: str | None = Field(
        default=None, max_length=1000, description="with sourceUrl: notes for CJ's agent (target country, specs)"
    )
    source_price: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="with sourceUrl: the product's price at the source, USD (sent to CJ as the request's price)",
    )
    sourcing_id: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,30}$",
        description="with sourceUrl: adopt this existing CJ sourcing request instead of filing a new one",
    )
    logo: str | None = Field(default=None, pattern=NAME_PATTERN, description="the name of a Logo")
    variants: VariantSelectionSpec | None = Field(default=None, description="the variants the store sells")
    pricing: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="the name of a Pricing rule (else the default rule)"
    )
    price: Amount | None = Field(
        default=None, description="a fixed store price for every selected variant, instead of a Pricing rule"
    )
    stores: list[Annotated[str, StringConstraints(pattern=NAME_PATTERN)]] | None = Field(
        default=None, min_length=1, description="the Stores it is published to, by name (default: every Store)"
    )

    @field_validator("stores")
    @classmethod
    def _stores(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise PydanticCustomError("stores", "name each Store once")
        return value

    @field_validator("price")
    @classmethod
    def _price(cls, value: Decimal | None) -> Decimal | None:
        return positive(value, "price")

    @field_validator("product_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            pid_from_url(value)
        except ProductUrlError as exc:
            raise PydanticCustomError("product_url", str(exc)) from None
        return value

    @field_validator("source_url")
    @classmethod
    def _source_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        https_url(value, "sourceUrl")
        if is_cj_host(urlsplit(value).hostname or ""):
            raise PydanticCustomError(
                "source_url", "this is a CJ product page: list it with `productUrl`, not `sourceUrl`"
            )
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        return None if value is None else https_url(value, "image")

    @field_validator("sourcing_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # a bare 19-digit id in YAML is an integer: read it exactly, as text
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_kind(self) -> ProductItem:
        if (self.product_url is None) == (self.source_url is None):
            raise PydanticCustomError(
                "product_source",
                "give exactly one of `productUrl` (a CJ product) or `sourceUrl` (a product page CJ is asked to source)",
            )
        if self.product_url is not None:
            given = [to_camel(name) for name in _SOURCING_ONLY if getattr(self, name) is not None]
            if given:
                raise PydanticCustomError(
                    "product_source", f"{', '.join(given)} go with `sourceUrl`; a `productUrl` product is CJ's already"
                )
        else:
            missing = [name for name in ("name", "image") if getattr(self, name) is None]
            if missing:
                raise PydanticCustomError(
                    "product_source",
                    f"a `sourceUrl` item needs {' and '.join(missing)} (CJ requires both, at most 200 characters)",
                )
        return self

    def parts(self) -> CjItem | SourcedItem:
        """The item as what it is: a CJ product or a sourced one (the model allows no other shape)."""
        if self.product_url is not None:
            return CjItem(url=self.product_url, selling=self)
        if self.source_url is None or self.name is None or self.image is None:
            raise ValueError("a sourceUrl item without name or image passed the model")  # the model refuses these
        return SourcedItem(
            url=self.source_url,
            name=self.name,
            image=self.image,
            remark=self.remark,
            source_price=self.source_price,
            sourcing_id=self.sourcing_id,
            selling=self,
        )


@dataclass(frozen=True)
class CjItem:
    """A Products item with ``productUrl``: a product CJ lists. ``selling`` holds how it is sold
    (``logo``, ``variants``, ``pricing``, ``price``)."""

    url: str
    selling: ProductItem


@dataclass(frozen=True)
class SourcedItem:
    """A Products item with ``sourceUrl``: a product CJ is asked to source, with what the request sends."""

    url: str
    name: str
    image: str
    remark: str | None
    source_price: Decimal | None
    sourcing_id: str | None
    selling: ProductItem
