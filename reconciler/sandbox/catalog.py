"""The sandbox's product catalog: generated from a seed, changed only by the admin side.

:func:`generate_catalog` builds the same products for the same seed and size: both pid
forms (uppercase UUIDs and 19-digit numbers), one to six variants each, prices as CJ
writes them (a string, sometimes a range), stock per country, some print-on-demand
products (``customizationVersion`` 1-5) and some offline or removed ones. Three fixed,
on-sale products always come first, because the example manifests and the demo use them.
:mod:`.api` reads products from here; :mod:`.admin` changes them to simulate drift.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

ON_SALE = "3"
IMAGE_BASE = "https://images.sandbox.invalid/products"
_PRICE = re.compile(r"^\d+(\.\d+)?(-\d+(\.\d+)?)?$")

_ADJECTIVES = ["Classic", "Vintage", "Minimalist", "Portable", "Waterproof", "Soft", "Slim", "Foldable", "Eco", "Retro"]
_MATERIALS = ["Cotton", "Ceramic", "Canvas", "Bamboo", "Silicone", "Leather", "Steel", "Acrylic", "Polyester", "Glass"]
_NOUNS = [
    "T-Shirt",
    "Hoodie",
    "Mug",
    "Tote Bag",
    "Phone Case",
    "Water Bottle",
    "Cap",
    "Notebook",
    "Pillow Cover",
    "Socks",
]
_CATEGORIES = ["Women's Clothing", "Men's Clothing", "Home & Garden", "Bags & Shoes", "Phone Accessories", "Toys"]
_COLOURS = ["Black", "White", "Red", "Blue", "Grey", "Green", "Pink"]
_SIZES = ["S", "M", "L", "XL", "2XL"]
_COUNTRIES = ["CN", "US", "DE"]


@dataclass
class Variant:
    """One purchasable variant of a product."""

    vid: str
    sku: str
    key: str
    name_en: str
    price: float
    image: str
    weight_g: int
    inventory: dict[str, int] = field(default_factory=dict)  # countryCode -> units

    def detail(self, pid: str, *, with_inventory: bool) -> dict[str, object]:
        data: dict[str, object] = {
            "vid": self.vid,
            "pid": pid,
            "variantNameEn": self.name_en,
            "variantSku": self.sku,
            "variantKey": self.key,
            "variantImage": self.image,
            "variantSellPrice": self.price,
            "variantSugSellPrice": round(self.price * 2.5, 2),
            "variantWeight": self.weight_g,
        }
        if with_inventory:
            data["inventories"] = [
                {"countryCode": country, "totalInventory": units} for country, units in self.inventory.items()
            ]
        return data


@dataclass
class Product:
    """One catalog product with its variants and its availability."""

    pid: str
    name_en: str
    sku: str
    category: str
    material: str
    sell_price: str
    variants: list[Variant]
    customization_version: int = 0
    status: str = ON_SALE
    offline: bool = False
    removed: bool = False
    image_url: str | None = None  # set by the hostile catalogue; else derived from the pid

    @property
    def availability(self) -> str:
        """``removed``, ``offline`` or ``on_sale``: what product/query answers for it."""
        if self.removed:
            return "removed"
        if self.offline:
            return "offline"
        return "on_sale"

    @property
    def image(self) -> str:
        return self.image_url if self.image_url is not None else f"{IMAGE_BASE}/{self.pid}/main.jpg"

    def detail(self, *, with_inventory: bool) -> dict[str, object]:
        """``data`` of ``GET /product/query``; ``productName`` is a JSON array in a string, as CJ sends it."""
        weights = [v.weight_g for v in self.variants]
        return {
            "pid": self.pid,
            "productName": json.dumps([self.name_en]),
            "productNameEn": self.name_en,
            "productSku": self.sku,
            "productImage": self.image,
            "productImageSet": [self.image, f"{IMAGE_BASE}/{self.pid}/detail-1.jpg"],
            "productWeight": f"{min(weights)}-{max(weights)}" if min(weights) != max(weights) else str(weights[0]),
            "productUnit": "unit(s)",
            "productType": "ORDINARY_PRODUCT",
            "productKeyEn": "Color-Size" if any("-" in v.key for v in self.variants) else "Color",
            "categoryName": self.category,
            "materialNameEn": json.dumps(["", self.material]),
            "sellPrice": self.sell_price,
            "status": self.status,
            "customizationVersion": self.customization_version,
            "description": f"<p>{self.name_en}, made of {self.material.lower()}.</p>",
            "variants": [v.detail(self.pid, with_inventory=with_inventory) for v in self.variants],
        }

    def listing(self, created_ms: int) -> dict[str, object]:
        """One ``content`` entry of ``GET /product/myProduct/query``."""
        return {
            "productId": self.pid,
            "nameEn": self.name_en,
            "sku": self.sku,
            "sellPrice": self.sell_price,
            "bigImage": self.image,
            "createAt": created_ms,
        }


def price_text(prices: list[float]) -> str:
    """CJ's ``sellPrice``: ``"12.34"``, or ``"9.50-12.00"`` when the variants differ."""
    low, high = min(prices), max(prices)
    return f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"


class Catalog:
    """Products by pid, productSku and variantSku, in generation order."""

    def __init__(self, products: list[Product]) -> None:
        self._products = {p.pid: p for p in products}
        self._by_sku: dict[str, Product] = {}
        self._by_variant_sku: dict[str, Product] = {}
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the SKU indexes after SKUs changed (the hostile catalogue)."""
        products = list(self._products.values())
        self._by_sku = {p.sku: p for p in products}
        self._by_variant_sku = {v.sku: p for p in products for v in p.variants}
        self._by_vid = {v.vid: (p, v) for p in products for v in p.variants}

    def __len__(self) -> int:
        return len(self._products)

    def get(self, pid: str) -> Product | None:
        return self._products.get(pid)

    def add(self, product: Product) -> Product:
        """List a new product (a sourcing request CJ answered); ValueError if its pid or a SKU is taken."""
        if product.pid in self._products or product.sku in self._by_sku:
            raise ValueError(f"product {product.pid} or SKU {product.sku} is already in the catalog")
        self._products[product.pid] = product
        self._by_sku[product.sku] = product
        self._by_variant_sku.update((v.sku, product) for v in product.variants)
        self._by_vid.update((v.vid, (product, v)) for v in product.variants)
        return product

    def variant(self, vid: str) -> tuple[Product, Variant] | None:
        """The product and variant of ``vid``."""
        return self._by_vid.get(vid)

    def by_sku(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def by_variant_sku(self, sku: str) -> Product | None:
        return self._by_variant_sku.get(sku)

    def pids(self, status: str | None = None) -> list[str]:
        """All pids, or those whose availability is ``status`` (``on_sale``/``"3"``, ``offline``, ``removed``)."""
        if status is None:
            return list(self._products)
        wanted = "on_sale" if status == ON_SALE else status
        if wanted not in {"on_sale", "offline", "removed"}:
            raise ValueError(f"unknown status {status!r}: use on_sale, offline or removed")
        return [pid for pid, p in self._products.items() if p.availability == wanted]

    def snapshot(self) -> list[dict[str, object]]:
        """Every product's full detail, for comparing catalogs."""
        return [p.detail(with_inventory=True) | {"availability": p.availability} for p in self._products.values()]


def _fixed_products() -> list[Product]:
    tee_sku = "CJTS2503190"
    tee = [
        Variant(
            vid=f"25031903275616130{i + 1:02d}",
            sku=f"{tee_sku}-{colour}-{size}",
            key=f"{colour}-{size}",
            name_en=f"Unisex Heavy Cotton T-Shirt {colour} {size}",
            price=8.40 if size == "L" else 7.90,
            image=f"{IMAGE_BASE}/2503190327561613000/{colour.lower()}.jpg",
            weight_g=180 if size == "L" else 160,
            inventory={"CN": 1200 - 100 * i, "US": 80 + 10 * i},
        )
        for i, (colour, size) in enumerate([(c, s) for c in ("White", "Black") for s in ("S", "M", "L")])
    ]
    mug = [
        Variant(
            vid=f"165874807293713613{i}",
            sku=f"CJMG1658748-{colour}",
            key=colour,
            name_en=f"Ceramic Coffee Mug 11oz {colour}",
            price=3.25,
            image=f"{IMAGE_BASE}/1658748072937136128/{colour.lower()}.jpg",
            weight_g=350,
            inventory={"CN": 5000 - 1000 * i, "US": 300},
        )
        for i, colour in enumerate(("White", "Black"))
    ]
    tote_pid = "000B9312-456A-4D31-94BD-B083E2A198E8"
    tote = [
        Variant(
            vid="6E7A1C0B-5D2F-4A4B-9C3E-1F2A3B4C5D6E",
            sku="CJBG0009312-Natural",
            key="Natural",
            name_en="Canvas Tote Bag Natural",
            price=4.10,
            image=f"{IMAGE_BASE}/{tote_pid}/natural.jpg",
            weight_g=120,
            inventory={"CN": 2400},
        )
    ]
    return [
        Product(
            "2503190327561613000",
            "Unisex Heavy Cotton Print-on-Demand T-Shirt",
            tee_sku,
            "Men's Clothing",
            "Cotton",
            price_text([v.price for v in tee]),
            tee,
            customization_version=1,
        ),
        Product(
            "1658748072937136128",
            "Ceramic Coffee Mug 11oz",
            "CJMG1658748",
            "Home & Garden",
            "Ceramic",
            price_text([v.price for v in mug]),
            mug,
        ),
        Product(tote_pid, "Canvas Tote Bag", "CJBG0009312", "Bags & Shoes", "Canvas", price_text([4.10]), tote),
    ]


def _new_id(rng: random.Random, *, uuid_form: bool, taken: set[str]) -> str:
    while True:
        if uuid_form:
            candidate = str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()
        else:
            candidate = str(rng.randrange(1_400_000_000_000_000_000, 2_000_000_000_000_000_000))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _random_product(rng: random.Random, taken: set[str]) -> Product:
    uuid_form = rng.random() < 0.5
    pid = _new_id(rng, uuid_form=uuid_form, taken=taken)
    noun = rng.choice(_NOUNS)
    material = rng.choice(_MATERIALS)
    name = f"{rng.choice(_ADJECTIVES)} {material} {noun}"
    letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
    sku = f"CJ{letters}{rng.randrange(10**6, 10**7)}"
    while sku in taken:
        sku = f"CJ{letters}{rng.randrange(10**6, 10**7)}"
    taken.add(sku)
    apparel = noun in {"T-Shirt", "Hoodie", "Socks", "Cap"}
    options = [f"{c}-{s}" for c in _COLOURS for s in _SIZES] if apparel else list(_COLOURS)
    keys = rng.sample(options, rng.randint(1, 6))
    base = round(rng.uniform(1.5, 60.0), 2)
    varied = len(keys) > 1 and rng.random() < 0.3
    variants = []
    for i, key in enumerate(keys):
        price = round(base + (0.5 * i if varied else 0.0), 2)
        stock = {"CN": rng.choice([0, rng.randint(1, 5000)])}
        if rng.random() < 0.5:
            stock["US"] = rng.randint(0, 500)
        variants.append(
            Variant(
                vid=_new_id(rng, uuid_form=uuid_form, taken=taken),
                sku=f"{sku}-{key}",
                key=key,
                name_en=f"{name} {key.replace('-', ' ')}",
                price=price,
                image=f"{IMAGE_BASE}/{pid}/{key.lower()}.jpg",
                weight_g=rng.randint(50, 900),
                inventory=stock,
            )
        )
    roll = rng.random()
    pod = rng.random() < 0.15
    return Product(
        pid=pid,
        name_en=name,
        sku=sku,
        category=rng.choice(_CATEGORIES),
        material=material,
        sell_price=price_text([v.price for v in variants]),
        variants=variants,
        customization_version=rng.randint(1, 5) if pod else 0,
        offline=roll < 0.05,
        removed=0.05 <= roll < 0.08,
    )


def generate_catalog(*, seed: int, count: int) -> Catalog:
    """The catalog for ``seed``: the three fixed products, then generated ones up to ``count``."""
    rng = random.Random(seed)
    products = _fixed_products()
    taken = {p.pid for p in products} | {p.sku for p in products} | {v.vid for p in products for v in p.variants}
    while len(products) < count:
        products.append(_random_product(rng, taken))
    return Catalog(products)


def apply_changes(product: Product, changes: Mapping[str, object]) -> None:
    """Change a product as CJ might behind cjrec's back (admin ``POST /__sandbox/products/<pid>``).

    Keys: ``sellPrice`` (string or number), ``status``, ``offline``, ``removed``,
    ``variantPrices`` {vid: price} (also recomputes ``sellPrice`` unless given),
    ``inventory`` {vid: units | {countryCode: units}} (a bare number sets CN),
    ``productNameEn``, ``customizationVersion``. Raises ValueError on anything else.
    """
    unknown = set(changes) - {
        "sellPrice",
        "status",
        "offline",
        "removed",
        "variantPrices",
        "inventory",
        "productNameEn",
        "customizationVersion",
    }
    if unknown:
        raise ValueError(f"unknown product fields: {', '.join(sorted(unknown))}")
    variants = {v.vid: v for v in product.variants}
    for vid, price in _mapping(changes.get("variantPrices", {}), "variantPrices").items():
        _variant(variants, vid).price = round(_number(price, "variantPrices"), 2)
    if "variantPrices" in changes:
        product.sell_price = price_text([v.price for v in product.variants])
    for vid, stock in _mapping(changes.get("inventory", {}), "inventory").items():
        variant = _variant(variants, vid)
        if isinstance(stock, Mapping):
            variant.inventory = {str(c): int(_number(n, "inventory")) for c, n in stock.items()}
        else:
            variant.inventory["CN"] = int(_number(stock, "inventory"))
    if "sellPrice" in changes:
        price = changes["sellPrice"]
        text = f"{_number(price, 'sellPrice'):.2f}" if not isinstance(price, str) else price
        if not _PRICE.match(text):
            raise ValueError(f"sellPrice {text!r} is not a price or a price range")
        product.sell_price = text
    for key, attr in (("offline", "offline"), ("removed", "removed")):
        if key in changes:
            value = changes[key]
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
            setattr(product, attr, value)
    if "status" in changes:
        product.status = str(changes["status"])
    if "productNameEn" in changes:
        product.name_en = str(changes["productNameEn"])
    if "customizationVersion" in changes:
        version = int(_number(changes["customizationVersion"], "customizationVersion"))
        if not 0 <= version <= 5:
            raise ValueError("customizationVersion must be between 0 and 5")
        product.customization_version = version


def _mapping(value: object, name: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be an object keyed by vid")
    return {str(k): v for k, v in value.items()}


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} values must be numbers")
    if value < 0:
        raise ValueError(f"{name} values must not be negative")
    return float(value)


def _variant(variants: dict[str, Variant], vid: str) -> Variant:
    if vid not in variants:
        raise ValueError(f"the product has no variant {vid!r}")
    return variants[vid]
