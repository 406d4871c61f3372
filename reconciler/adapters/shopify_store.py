"""One Shopify store as cjrec uses it: the Shopify implementation of the store interface
(:class:`~reconciler.kinds.store.platform.StoreClient`): find a product by its identity,
publish, change variants and prices, archive or delete it, and read products back for drift.

Built by :func:`connect` (the Shopify connector of ``adapters/store_platforms.py``); the store
kind's executor and reads use it, never the HTTP transport directly. Every query is written
here against Shopify's schema (the stand-in validates each against the schema subset) and sent
through :class:`~reconciler.adapters.shopify_http.ShopifyHttp`, which paces and retries.
``userErrors`` come back per product as :class:`UserError` (field and Shopify's message,
terminal-safe: text from the store is untrusted), never raised, so the rest of an apply goes
on. Inputs are built by ``reconciler/kinds/store/shopify.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.clock import Clock
from reconciler.adapters.shopify_http import ShopifyHttp, StoreToken
from reconciler.adapters.store_tokens import StoreTokenCache, token_key
from reconciler.kinds.store.model import Store
from reconciler.kinds.store.platform import Listing, ListingStatus, Outcome, StoreProduct, StoreVariant, UserError
from reconciler.kinds.store.shopify import (
    DEFINITION,
    MUTATION_COST,
    PAGE,
    PER_READ,
    PRODUCT_COST,
    STATUS_INPUT,
    create_input,
    identifier,
    price_updates,
    variants_input,
)
from reconciler.safe_text import for_terminal

GONE_CODES = ("PRODUCT_DOES_NOT_EXIST", "NOT_FOUND")

_VARIANT_FIELDS = "id sku price compareAtPrice"
_PRODUCT_FIELDS = f"""
  id title status
  metafield(namespace: "cjrec", key: "cj_pid") {{ value }}
  variants(first: {PAGE}) {{ nodes {{ {_VARIANT_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }}
"""

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


def graphql_url(store: Store) -> str:
    """The Admin GraphQL endpoint of the store's pinned API version."""
    return f"{store.base_url}/admin/api/{store.api_version}/graphql.json"


def connect(
    store: Store,
    *,
    cancel: threading.Event,
    clock: Clock,
    timeout: tuple[float, float],
    tokens: StoreTokenCache | None = None,
) -> ShopifyStore:
    """The client of a Shopify ``store``: its token (fixed, or the client-credentials grant, whose
    tokens ``tokens`` keeps encrypted between runs), its transport (paced by the store's bucket,
    stopped by ``cancel`` like CJ's calls)."""
    auth = store.auth
    key = token_key(store.name, auth.client_id) if auth.client_id is not None else ""
    token = StoreToken(
        access_token=auth.access_token,
        client_id=auth.client_id,
        client_secret=auth.client_secret,
        cache=tokens if auth.access_token is None else None,
        cache_key=key,
    )
    http = ShopifyHttp(graphql_url=graphql_url(store), token=token, clock=clock, timeout=timeout, cancel=cancel)
    return ShopifyStore(http, store=store)


class ShopifyStore:
    """The calls cjrec makes to one Shopify store (a :class:`~reconciler.kinds.store.platform.StoreClient`)."""

    def __init__(self, http: ShopifyHttp, *, store: Store) -> None:
        self.http = http
        self._store = store

    def __repr__(self) -> str:
        return f"ShopifyStore({self.http.base_url!r})"

    @property
    def store(self) -> Store:
        return self._store

    def prepare(self, *, call: str) -> tuple[UserError, ...]:
        """Create the ``id``-type metafield definition products are found by; one that exists is fine."""
        data = self.http.execute(DEFINE, {"definition": dict(DEFINITION)}, call="metafieldDefinitionCreate").data
        payload = data.get("metafieldDefinitionCreate") or {}
        return tuple(e for e in _errors(payload) if e.code != "TAKEN")

    def find(self, pid: str) -> StoreProduct | None:
        """The product carrying ``pid`` in its ``cjrec.cj_pid`` metafield, if the store has one."""
        data = self.http.execute(
            FIND, {"identifier": identifier(pid)}, call="productByIdentifier", expected_cost=PRODUCT_COST
        ).data
        return self._product(data.get("productByIdentifier"))

    def read(self, product_ids: Sequence[str]) -> dict[str, StoreProduct | None]:
        """The products by id (None for one the store no longer has), a page of ids per query."""
        found: dict[str, StoreProduct | None] = {}
        for start in range(0, len(product_ids), PER_READ):
            chunk = list(product_ids[start : start + PER_READ])
            data = self.http.execute(READ, {"ids": chunk}, call="nodes", expected_cost=PRODUCT_COST * len(chunk)).data
            for gid, node in zip(chunk, data.get("nodes") or [], strict=False):
                found[gid] = self._product(node)
        return found

    def publish(self, listing: Listing, *, call: str) -> Outcome:
        """``productSet`` by the ``cjrec.cj_pid`` identity: create, or upsert the product carrying it."""
        return self._set(identifier(listing.pid), create_input(listing, self._store), call=call)

    def publish_all(self, listings: Sequence[Listing], *, call: str) -> list[Outcome]:
        """One ``productSet`` per product (Shopify's platform hands over one at a time)."""
        return [self.publish(listing, call=call) for listing in listings]

    def set_variants(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """``productSet`` by the product's id with its options and variants only."""
        return self._set({"id": product_id}, variants_input(listing, known), call=call)

    def set_prices(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """``productVariantsBulkUpdate``, at most 250 variants per call; the product's other fields stay."""
        variants = price_updates(listing, known)
        outcome = Outcome(None)
        for start in range(0, len(variants), PAGE):
            chunk = [dict(v) for v in variants[start : start + PAGE]]
            data = self.http.execute(PRICES, {"productId": product_id, "variants": chunk}, call=call).data
            outcome = self._outcome(data.get("productVariantsBulkUpdate"))
            if not outcome.ok:
                return outcome
        return outcome

    def set_status(self, product_id: str, status: ListingStatus, *, call: str) -> Outcome:
        """``productUpdate`` of the status alone."""
        data = self.http.execute(STATUS, {"product": {"id": product_id, "status": STATUS_INPUT[status]}}, call=call)
        return self._outcome(data.data.get("productUpdate"))

    def delete(self, product_id: str, *, call: str) -> Outcome:
        """``productDelete``; deleting a product the store no longer has is no error."""
        data = self.http.execute(DELETE, {"input": {"id": product_id}}, call=call).data
        payload = data.get("productDelete") or {}
        errors = tuple(e for e in _errors(payload) if "does not exist" not in e.message)
        return Outcome(None, errors)

    def _set(self, identity: Mapping[str, Any], product: Mapping[str, Any], *, call: str) -> Outcome:
        data = self.http.execute(
            SET, {"input": dict(product), "identifier": dict(identity)}, call=call, expected_cost=MUTATION_COST
        ).data
        return self._outcome(data.get("productSet"))

    # -- answers -----------------------------------------------------------------------
    def _outcome(self, payload: Any) -> Outcome:
        if not isinstance(payload, dict):
            return Outcome(None, (UserError("", "the store answered without a result"),))
        errors = _errors(payload)
        gone = any(e.code in GONE_CODES or e.message.startswith("Product does not exist") for e in errors)
        return Outcome(self._product(payload.get("product")), () if gone else errors, gone=gone)

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
                expected_cost=PRODUCT_COST,
            ).data
            connection = ((data.get("product") or {}).get("variants")) or {}
            variants.extend(_variant(v) for v in connection.get("nodes") or [])
            page = connection.get("pageInfo") or {}
        metafield = node.get("metafield") or {}
        return StoreProduct(
            id=str(node["id"]),
            title=str(node.get("title") or ""),
            status=str(node.get("status") or "").lower(),
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
