"""One store scenario, every platform: what a store test needs of a platform's stand-in and client.

:class:`StandIn` gives, for Shopify and WooCommerce alike, a Store pointing at the stand-in of a
running sandbox, its client (on the sandbox's hand-moved clock), the products as the stand-in
holds them in one neutral shape (:class:`Live`), the merchant's edits (description, tags, an
own meta field, a price, a deletion) and the count of store calls. The store suites take the
``platform`` fixture (``tests/store/conftest.py``) and run once per platform, so the scenario
is written once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.shopify_http import ShopifyHttp, StoreToken
from reconciler.adapters.shopify_store import ShopifyStore, graphql_url
from reconciler.adapters.woocommerce_http import WooHttp, WooKeys
from reconciler.adapters.woocommerce_store import WooCommerceStore
from reconciler.kinds.store.model import PublishDefaults, Store, StoreAuth
from reconciler.kinds.store.platform import StoreClient
from reconciler.models.declared import Source
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from reconciler.sandbox.woocommerce.api import DEFAULT_KEY, DEFAULT_SECRET

PLATFORMS = ("shopify", "woocommerce")
DOCUMENTS = {
    "shopify": """\
apiVersion: cjrec/v1
kind: Store
metadata:
  name: {name}
spec:
  platform: shopify
  domain: cjrec-sandbox.myshopify.com
  cjShop: Sandbox Shop
  endpoint: {endpoint}
  accessToken: {token}
""",
    "woocommerce": """\
apiVersion: cjrec/v1
kind: Store
metadata:
  name: {name}
spec:
  platform: woocommerce
  url: {endpoint}
  cjShop: Sandbox Woo Shop
  consumerKey: {key}
  consumerSecret: {secret}
""",
}
FAULTS = {  # a neutral fault -> each stand-in's own
    "shopify": {"unavailable": "5xx", "drop": "drop", "throttle": "throttle"},
    "woocommerce": {"unavailable": "503", "drop": "drop", "throttle": "429"},
}
SHOPIFY_STATUS = {"ACTIVE": "active", "DRAFT": "draft", "ARCHIVED": "archived"}
WOO_STATUS = {"publish": "active", "draft": "draft", "private": "archived"}


@dataclass(frozen=True)
class Live:
    """A product as the stand-in holds it, the same shape for every platform."""

    id: str
    pid: str | None  # the CJ pid it carries as its identity
    status: str  # active | draft | archived
    prices: dict[str, str]  # what a buyer pays, by SKU
    variant_ids: dict[str, str]  # by SKU
    description: str
    tags: list[str]
    meta: dict[str, str]  # the merchant's own fields (Shopify: metafields "ns.key"; WooCommerce: meta_data)


@dataclass
class StandIn:
    """A platform's stand-in in ``sandbox`` and how cjrec reaches it."""

    platform: str
    sandbox: Sandbox
    clock: Any  # sleeps advance it (tests never sleep)

    def store(self, *, name: str = "main", on_remove: str = "archive", status: str = "active") -> Store:
        common: dict[str, Any] = {
            "name": name,
            "platform": self.platform,
            "cj_shop": "Sandbox Shop" if self.platform == "shopify" else "Sandbox Woo Shop",
            "publish": PublishDefaults(status=status),  # type: ignore[arg-type]
            "on_remove": on_remove,
            "endpoint": self.sandbox.root_url,
            "source": Source("manifests/store.sops.yaml", 1),
        }
        if self.platform == "shopify":
            return Store(
                domain="cjrec-sandbox.myshopify.com",
                api_version="2026-01",
                auth=StoreAuth(access_token=Secret(DEFAULT_TOKEN)),
                **common,
            )
        return Store(
            domain="127.0.0.1",
            api_version="wc/v3",
            auth=StoreAuth(consumer_key=Secret(DEFAULT_KEY), consumer_secret=Secret(DEFAULT_SECRET)),
            **common,
        )

    def client(self, store: Store, *, seed: int = 5) -> StoreClient:
        retry, rng = RetryPolicy(max_attempts=4), random.Random(seed)
        if self.platform == "shopify":
            assert store.auth.access_token is not None
            token = StoreToken(access_token=store.auth.access_token)
            http = ShopifyHttp(graphql_url=graphql_url(store), token=token, clock=self.clock, retry=retry, rng=rng)
            return ShopifyStore(http, store=store)
        assert store.auth.consumer_key is not None and store.auth.consumer_secret is not None
        keys = WooKeys(store.auth.consumer_key, store.auth.consumer_secret)
        return WooCommerceStore(
            WooHttp(url=store.base_url, keys=keys, clock=self.clock, retry=retry, rng=rng), store=store
        )

    def document(self, *, name: str = "main") -> str:
        """The Store document (to be sops-encrypted) for this stand-in."""
        return DOCUMENTS[self.platform].format(
            name=name, endpoint=self.sandbox.root_url, token=DEFAULT_TOKEN, key=DEFAULT_KEY, secret=DEFAULT_SECRET
        )

    @property
    def secrets(self) -> set[str]:
        """What must never show in any output."""
        return {DEFAULT_TOKEN} if self.platform == "shopify" else {DEFAULT_KEY, DEFAULT_SECRET}

    # -- what the stand-in holds ------------------------------------------------------------
    def products(self) -> list[Live]:
        if self.platform == "shopify":
            return [_shopify(p) for p in self.sandbox.shopify.products()]
        return [_woo(p) for p in self.sandbox.woocommerce.products() if p["status"] != "trash"]

    def set_latency(self, seconds: float) -> None:
        """Every answer of the stand-in waits ``seconds`` after it acted (a kill lands in between)."""
        (self.sandbox.shopify if self.platform == "shopify" else self.sandbox.woocommerce).set_latency(seconds)

    def fail_next(self, *faults: str) -> None:
        """The next store calls fail, one per fault: ``unavailable`` (503), ``drop`` (no answer),
        ``throttle`` (Shopify's THROTTLED, a host's 429 for WooCommerce)."""
        kinds = [FAULTS[self.platform][fault] for fault in faults]
        (self.sandbox.shopify if self.platform == "shopify" else self.sandbox.woocommerce).fail_next(*kinds)

    def calls(self) -> int:
        stand_in = self.sandbox.shopify if self.platform == "shopify" else self.sandbox.woocommerce
        return len(stand_in.calls)

    # -- the merchant ------------------------------------------------------------------------------
    def merchant_edit(self, live: Live, *, description: str, tags: list[str], meta: tuple[str, str]) -> None:
        if self.platform == "shopify":
            namespace, key = meta[0].split(".", 1)
            self.sandbox.shopify.merchant_edit(
                live.id, descriptionHtml=description, tags=tags, metafield=(namespace, key, meta[1])
            )
        else:
            self.sandbox.woocommerce.merchant_edit(int(live.id), description=description, tags=tags, meta=dict([meta]))

    def merchant_price(self, live: Live, sku: str, price: str) -> None:
        variant = live.variant_ids[sku]
        if self.platform == "shopify":
            self.sandbox.shopify.merchant_edit(live.id, variant_price={variant: price})
        elif variant == live.id:  # a simple product: the price is the product's own
            self.sandbox.woocommerce.catalogue.products[int(live.id)].update(regular_price=price, sale_price="")
        else:
            self.sandbox.woocommerce.catalogue.variations[int(variant)].update(regular_price=price, sale_price="")

    def merchant_delete(self, live: Live) -> None:
        delete: Callable[[Any], None] = (
            self.sandbox.shopify.merchant_delete
            if self.platform == "shopify"
            else self.sandbox.woocommerce.merchant_delete
        )
        delete(live.id if self.platform == "shopify" else int(live.id))


def _shopify(product: dict[str, Any]) -> Live:
    pid = product["metafields"].get(("cjrec", "cj_pid"), {}).get("value")
    return Live(
        id=product["id"],
        pid=pid,
        status=SHOPIFY_STATUS.get(product["status"], product["status"].lower()),
        prices={v["sku"]: v["price"] for v in product["variants"]},
        variant_ids={v["sku"]: v["id"] for v in product["variants"]},
        description=product["descriptionHtml"],
        tags=list(product["tags"]),
        meta={f"{ns}.{key}": m["value"] for (ns, key), m in product["metafields"].items() if ns != "cjrec"},
    )


def _woo(product: dict[str, Any]) -> Live:
    meta = {m["key"]: m["value"] for m in product["meta_data"]}
    posts = product["variations"] if product["type"] == "variable" else [product]
    return Live(
        id=str(product["id"]),
        pid=meta.get("_cjrec_cj_pid"),
        status=WOO_STATUS.get(product["status"], product["status"]),
        prices={p["sku"]: p["price"] for p in posts},
        variant_ids={p["sku"]: str(p["id"]) for p in posts},
        description=product["description"],
        tags=[t["name"] for t in product["tags"]],
        meta={key: value for key, value in meta.items() if not key.startswith("_cjrec")},
    )
