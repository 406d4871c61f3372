"""One Shopify store as cjrec uses it: find a product by its identity, publish, change variants
and prices, archive or delete it, and read products back for drift.

The store interface of the design (a Shopify and, later, a WooCommerce implementation): the
store listing kind's executor and reads use it, never the HTTP transport directly. Every query
is written here against Shopify's schema (the stand-in validates each against the schema
subset) and sent through :class:`~reconciler.adapters.shopify_http.ShopifyHttp`, which paces
and retries. ``userErrors`` come back per product as :class:`UserError` (field and Shopify's
message, terminal-safe: text from the store is untrusted), never raised, so the rest of an
apply goes on. Inputs are built by ``reconciler/kinds/listing/payload.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.adapters.shopify_http import ShopifyHttp
from reconciler.safe_text import for_terminal

PAGE = 250  # Shopify's most per page and per array input
MUTATION_COST = 10

_VARIANT_FIELDS = "id sku price compareAtPrice"
_PRODUCT_FIELDS = f"""
  id title status
  metafield(namespace: "cjrec", key: "cj_pid") {{ value }}
  variants(first: {PAGE}) {{ nodes {{ {_VARIANT_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }}
"""
_PRODUCT_COST = 1 + 1 + 2 + PAGE + 1  # product, metafield, the variants connection of PAGE nodes, pageInfo

DEFINE = """
mutation Define($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition { id }
    userErrors { field message code }
  }
}"""
FIND = f"""
query Find($identifier: ProductIdentifierInput!) {{
  productByIdentifier(identifier: $identifier) {{ {_PRODUCT_FIELDS} }}
}}"""
READ = f"""
query Read($ids: [ID!]!) {{
  nodes(ids: $ids) {{ ... on Product {{ {_PRODUCT_FIELDS} }} }}
}}"""
MORE_VARIANTS = f"""
query MoreVariants($id: ID!, $after: String) {{
  product(id: $id) {{
    variants(first: {PAGE}, after: $after) {{ nodes {{ {_VARIANT_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }}
  }}
}}"""
SET = f"""
mutation Publish($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {{
  productSet(input: $input, identifier: $identifier, synchronous: true) {{
    product {{ {_PRODUCT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""
PRICES = f"""
mutation Reprice($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {{
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {{
    product {{ {_PRODUCT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""
STATUS = f"""
mutation Status($product: ProductUpdateInput!) {{
  productUpdate(product: $product) {{
    product {{ {_PRODUCT_FIELDS} }}
    userErrors {{ field message }}
  }}
}}"""
DELETE = """
mutation Remove($input: ProductDeleteInput!) {
  productDelete(input: $input, synchronous: true) {
    deletedProductId
    userErrors { field message }
  }
}"""


@dataclass(frozen=True)
class UserError:
    """A business error Shopify reported for one product: the input field and its message."""

    field: str
    message: str
    code: str | None = None

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}" + (f" ({self.code})" if self.code else "")


@dataclass(frozen=True)
class StoreVariant:
    id: str
    sku: str | None
    price: str
    compare_at: str | None


@dataclass(frozen=True)
class StoreProduct:
    """What the store holds of a product cjrec published (title as the store has it: untrusted)."""

    id: str
    title: str
    status: str
    pid: str | None  # the cjrec.cj_pid metafield
    variants: tuple[StoreVariant, ...]

    def variant_ids(self, sku_to_vid: Mapping[str, str]) -> dict[str, str]:
        """Store variant id by CJ vid, matched by SKU."""
        return {sku_to_vid[v.sku]: v.id for v in self.variants if v.sku is not None and v.sku in sku_to_vid}


@dataclass(frozen=True)
class Outcome:
    """A mutation's result: the product as it is now (None when it failed or was deleted) and its userErrors."""

    product: StoreProduct | None
    errors: tuple[UserError, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors


class ShopifyStore:
    """The calls cjrec makes to one Shopify store."""

    def __init__(self, http: ShopifyHttp) -> None:
        self.http = http

    def __repr__(self) -> str:
        return f"ShopifyStore({self.http.base_url!r})"

    def ensure_identity(self, definition: Mapping[str, Any]) -> tuple[UserError, ...]:
        """Create the ``id``-type metafield definition products are found by; one that exists is fine."""
        data = self.http.execute(DEFINE, {"definition": dict(definition)}, call="metafieldDefinitionCreate").data
        payload = data.get("metafieldDefinitionCreate") or {}
        return tuple(e for e in _errors(payload) if e.code != "TAKEN")

    def find(self, identifier: Mapping[str, Any]) -> StoreProduct | None:
        """The product the identifier names (``{"customId": …}``), if the store has one."""
        data = self.http.execute(
            FIND, {"identifier": dict(identifier)}, call="productByIdentifier", expected_cost=_PRODUCT_COST
        ).data
        return self._product(data.get("productByIdentifier"))

    def read(self, product_ids: Sequence[str]) -> dict[str, StoreProduct | None]:
        """The products by id (None for one the store no longer has), a page of ids per query."""
        found: dict[str, StoreProduct | None] = {}
        per_query = max(1, 1000 // _PRODUCT_COST)  # stay under the 1,000-point ceiling of one query
        for start in range(0, len(product_ids), per_query):
            chunk = list(product_ids[start : start + per_query])
            data = self.http.execute(READ, {"ids": chunk}, call="nodes", expected_cost=_PRODUCT_COST * len(chunk)).data
            for gid, node in zip(chunk, data.get("nodes") or [], strict=False):
                found[gid] = self._product(node)
        return found

    def publish(self, identifier: Mapping[str, Any], product: Mapping[str, Any], *, call: str) -> Outcome:
        """``productSet``: create or upsert the product the identifier names."""
        data = self.http.execute(
            SET, {"input": dict(product), "identifier": dict(identifier)}, call=call, expected_cost=MUTATION_COST
        ).data
        return self._outcome(data.get("productSet"))

    def set_prices(self, product_id: str, variants: Sequence[Mapping[str, Any]], *, call: str) -> Outcome:
        """``productVariantsBulkUpdate``, at most 250 variants per call; the product's other fields stay."""
        outcome = Outcome(None)
        for start in range(0, len(variants), PAGE):
            chunk = [dict(v) for v in variants[start : start + PAGE]]
            data = self.http.execute(PRICES, {"productId": product_id, "variants": chunk}, call=call).data
            outcome = self._outcome(data.get("productVariantsBulkUpdate"))
            if not outcome.ok:
                return outcome
        return outcome

    def set_status(self, product_id: str, status: str, *, call: str) -> Outcome:
        """``productUpdate`` of the status alone (``ARCHIVED``, ``DRAFT``, ``ACTIVE``)."""
        data = self.http.execute(STATUS, {"product": {"id": product_id, "status": status}}, call=call).data
        return self._outcome(data.get("productUpdate"))

    def delete(self, product_id: str, *, call: str) -> Outcome:
        """``productDelete``; deleting a product the store no longer has is no error."""
        data = self.http.execute(DELETE, {"input": {"id": product_id}}, call=call).data
        payload = data.get("productDelete") or {}
        errors = tuple(e for e in _errors(payload) if "does not exist" not in e.message)
        return Outcome(None, errors)

    # -- answers -----------------------------------------------------------------------
    def _outcome(self, payload: Any) -> Outcome:
        if not isinstance(payload, dict):
            return Outcome(None, (UserError("", "the store answered without a result"),))
        return Outcome(self._product(payload.get("product")), _errors(payload))

    def _product(self, node: Any) -> StoreProduct | None:
        if not isinstance(node, dict) or not node.get("id"):
            return None
        connection = node.get("variants") or {}
        variants = [_variant(v) for v in connection.get("nodes") or []]
        page = connection.get("pageInfo") or {}
        while page.get("hasNextPage"):
            data = self.http.execute(
                MORE_VARIANTS,
                {"id": node["id"], "after": page.get("endCursor")},
                call="product variants",
                expected_cost=_PRODUCT_COST,
            ).data
            connection = ((data.get("product") or {}).get("variants")) or {}
            variants.extend(_variant(v) for v in connection.get("nodes") or [])
            page = connection.get("pageInfo") or {}
        metafield = node.get("metafield") or {}
        return StoreProduct(
            id=str(node["id"]),
            title=str(node.get("title") or ""),
            status=str(node.get("status") or ""),
            pid=None if metafield.get("value") is None else str(metafield["value"]),
            variants=tuple(variants),
        )


def _variant(node: dict[str, Any]) -> StoreVariant:
    return StoreVariant(
        id=str(node["id"]),
        sku=None if node.get("sku") is None else str(node["sku"]),
        price=str(node.get("price")),
        compare_at=None if node.get("compareAtPrice") is None else str(node["compareAtPrice"]),
    )


def _errors(payload: dict[str, Any]) -> tuple[UserError, ...]:
    out = []
    for error in payload.get("userErrors") or []:
        if not isinstance(error, dict):
            continue
        path = error.get("field") or []
        out.append(
            UserError(
                field=for_terminal(".".join(str(p) for p in path) if isinstance(path, list) else str(path), limit=120),
                message=for_terminal(error.get("message") or "", limit=300),
                code=None if error.get("code") is None else for_terminal(error["code"], limit=60),
            )
        )
    return tuple(out)
