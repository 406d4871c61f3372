"""One WooCommerce shop's products and variations as the stand-in keeps them, and how a write changes them.

:class:`Catalogue` holds products (``simple`` or ``variable``, with attributes, images, meta
data, categories and tags) and their variations, under one id sequence as WordPress posts
have. It applies WooCommerce's write rules where cjrec depends on them:

- fields are checked for their type (prices, SKUs and weights are strings; a number is
  ``rest_invalid_param``), unknown fields are ignored;
- a SKU is unique across products and variations (``product_invalid_sku``);
- ``images``, ``attributes``, ``categories`` and ``tags`` given on an update replace the
  product's whole list; ``meta_data`` merges by ``id`` or by ``key``, other keys stay;
- ``price`` is the sale price when there is one, else the regular price;
- a variation belongs to a ``variable`` parent; deleting a product deletes its variations;
  ``DELETE`` without ``force`` moves a product to the trash.

Errors are :class:`WooError` with WooCommerce's code, message and HTTP status. The merchant's
side (:meth:`Catalogue.merchant_edit`, :meth:`Catalogue.merchant_delete`) changes products as
WordPress's admin would. Not thread-safe: the API holds a lock around every call.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PRODUCT_TYPES = ("simple", "variable", "grouped", "external")
STATUSES = ("draft", "pending", "private", "publish")
STRINGS = ("name", "sku", "description", "short_description", "regular_price", "sale_price", "weight", "slug")
LISTS = ("images", "attributes", "categories", "tags", "meta_data")
VARIATION_STRINGS = ("sku", "description", "regular_price", "sale_price", "weight")


class WooError(Exception):
    """A refusal in WooCommerce's shape: ``{code, message, data: {status}}``."""

    def __init__(self, code: str, message: str, status: int = 400, params: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.params = dict(params or {})

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        if self.params:
            data["params"] = self.params
        return {"code": self.code, "message": self.message, "data": data}


def invalid_id() -> WooError:
    return WooError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)


def _invalid(params: dict[str, str]) -> WooError:
    return WooError("rest_invalid_param", "Invalid parameter(s): " + ", ".join(params), 400, params)


@dataclass
class Catalogue:
    """The products and variations of one shop (posts under one id sequence)."""

    now: Callable[[], str]  # ISO-8601 local time, as WooCommerce's ``date_modified``
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    variations: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))

    # -- products ------------------------------------------------------------------------
    def create_product(self, data: Mapping[str, Any]) -> dict[str, Any]:
        _check_types(data, STRINGS, LISTS, enums={"type": PRODUCT_TYPES, "status": STATUSES})
        product: dict[str, Any] = {
            "id": 0,
            "name": "",
            "slug": "",
            "type": "simple",
            "status": "publish",
            "sku": "",
            "description": "",
            "short_description": "",
            "regular_price": "",
            "sale_price": "",
            "weight": "",
            "categories": [],
            "tags": [],
            "images": [],
            "attributes": [],
            "meta_data": [],
            "date_created": self.now(),
        }
        self._apply(product, data, creating=True)
        product["id"] = next(self._ids)
        self.products[product["id"]] = product
        return self.render_product(product)

    def update_product(self, product_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
        product = self._product(product_id)
        _check_types(data, STRINGS, LISTS, enums={"type": PRODUCT_TYPES, "status": STATUSES})
        staged = copy.deepcopy(product)
        self._apply(staged, data, creating=False)
        self.products[product_id] = staged
        return self.render_product(staged)

    def delete_product(self, product_id: int, *, force: bool) -> dict[str, Any]:
        product = self._product(product_id)
        shown = self.render_product(product)
        if not force:
            if product["status"] == "trash":
                raise WooError("woocommerce_rest_already_trashed", "The product has already been deleted.", 410)
            product["status"] = "trash"
            return self.render_product(product)
        for variation_id in [v["id"] for v in self.variations.values() if v["parent_id"] == product_id]:
            del self.variations[variation_id]
        del self.products[product_id]
        return shown

    def get_product(self, product_id: int) -> dict[str, Any]:
        return self.render_product(self._product(product_id))

    def list_products(self, *, skus: list[str] | None = None, include: list[int] | None = None) -> list[dict[str, Any]]:
        """Newest first, without the trash; ``skus``: exact SKUs of products (variations are not
        products here, so a variation's SKU finds nothing); ``include``: by id."""
        found = [p for p in self.products.values() if p["status"] != "trash"]
        if skus is not None:
            found = [p for p in found if p["sku"] and p["sku"] in skus]
        if include is not None:
            found = [p for p in found if p["id"] in include]
        return [self.render_product(p) for p in sorted(found, key=lambda p: -p["id"])]

    # -- variations ----------------------------------------------------------------------
    def create_variation(self, parent_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
        parent = self._product(parent_id)
        if parent["type"] != "variable":
            raise WooError(
                "woocommerce_rest_invalid_product_type", "Variations can only be added to variable products.", 400
            )
        _check_types(data, VARIATION_STRINGS, ("attributes", "meta_data"), enums={"status": STATUSES})
        variation: dict[str, Any] = {
            "id": 0,
            "parent_id": parent_id,
            "sku": "",
            "status": "publish",
            "description": "",
            "regular_price": "",
            "sale_price": "",
            "weight": "",
            "image": None,
            "attributes": [],
            "meta_data": [],
            "date_created": self.now(),
        }
        self._apply_variation(variation, data)
        variation["id"] = next(self._ids)
        self.variations[variation["id"]] = variation
        return self.render_variation(variation)

    def update_variation(self, parent_id: int, variation_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
        self._product(parent_id)
        variation = self._variation(parent_id, variation_id)
        _check_types(data, VARIATION_STRINGS, ("attributes", "meta_data"), enums={"status": STATUSES})
        staged = copy.deepcopy(variation)
        self._apply_variation(staged, data)
        self.variations[variation_id] = staged
        return self.render_variation(staged)

    def delete_variation(self, parent_id: int, variation_id: int) -> dict[str, Any]:
        self._product(parent_id)
        shown = self.render_variation(self._variation(parent_id, variation_id))
        del self.variations[variation_id]
        return shown

    def list_variations(self, parent_id: int) -> list[dict[str, Any]]:
        self._product(parent_id)
        return [self.render_variation(v) for v in self._variations_of(parent_id)]

    def get_variation(self, parent_id: int, variation_id: int) -> dict[str, Any]:
        self._product(parent_id)
        return self.render_variation(self._variation(parent_id, variation_id))

    # -- the merchant's side -------------------------------------------------------------
    def merchant_edit(self, product_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change a product as a merchant would in WordPress's admin: ``name``, ``description``,
        ``short_description``, ``status``, ``categories`` and ``tags`` (lists of names), ``extra_images``
        (URLs appended to the gallery), ``meta`` (``{key: value}`` set), ``attribute`` (a
        ``{name, options}`` attribute added, not used for variations), ``variation_price``
        (``{variation id: regular price}``). KeyError for an unknown product, variation or change."""
        product = self.products[product_id]
        for name, value in changes.items():
            if name in ("name", "description", "short_description", "status"):
                product[name] = str(value)
            elif name in ("categories", "tags"):
                product[name] = [{"id": 900 + n, "name": str(v)} for n, v in enumerate(value)]
            elif name == "extra_images":
                product["images"].extend({"id": next(self._ids), "src": str(src)} for src in value)
            elif name == "meta":
                for key, text in dict(value).items():
                    _set_meta(product["meta_data"], {"key": key, "value": text}, self._ids)
            elif name == "attribute":
                product["attributes"].append(
                    {"id": 0, "name": str(value["name"]), "position": len(product["attributes"]), "visible": True,
                     "variation": False, "options": [str(o) for o in value["options"]]}
                )  # fmt: skip
            elif name == "variation_price":
                for variation_id, price in dict(value).items():
                    self._variation(product_id, int(variation_id))["regular_price"] = str(price)
            else:
                raise KeyError(name)
        product["date_modified"] = self.now()
        return self.render_product(product)

    def merchant_delete(self, product_id: int) -> None:
        """Delete a product permanently (emptied from the trash), with its variations."""
        if product_id not in self.products:
            raise KeyError(product_id)
        self.delete_product(product_id, force=True)

    # -- what the API shows --------------------------------------------------------------
    def render_product(self, product: Mapping[str, Any]) -> dict[str, Any]:
        shown = copy.deepcopy(dict(product))
        variations = self._variations_of(product["id"])
        shown["variations"] = [v["id"] for v in variations]
        if product["type"] == "variable":
            prices = sorted((_price(v) for v in variations if _price(v)), key=float)
            shown["price"] = prices[0] if prices else ""
        else:
            shown["price"] = _price(product)
        shown["on_sale"] = bool(product.get("sale_price"))
        shown.setdefault("date_modified", shown["date_created"])
        return shown

    def render_variation(self, variation: Mapping[str, Any]) -> dict[str, Any]:
        shown = copy.deepcopy(dict(variation))
        shown["price"] = _price(variation)
        shown["on_sale"] = bool(variation.get("sale_price"))
        shown.setdefault("date_modified", shown["date_created"])
        return shown

    # -- pieces ----------------------------------------------------------------------------
    def _product(self, product_id: int) -> dict[str, Any]:
        product = self.products.get(product_id)
        if product is None:
            raise invalid_id()
        return product

    def _variation(self, parent_id: int, variation_id: int) -> dict[str, Any]:
        variation = self.variations.get(variation_id)
        if variation is None or variation["parent_id"] != parent_id:
            raise WooError("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 404)
        return variation

    def _variations_of(self, parent_id: int) -> list[dict[str, Any]]:
        return [v for v in self.variations.values() if v["parent_id"] == parent_id]

    def _sku_taken(self, sku: str, own_id: int) -> bool:
        posts = itertools.chain(self.products.values(), self.variations.values())
        return any(p["sku"] == sku and p["id"] != own_id for p in posts if p.get("status") != "trash")

    def _check_sku(self, data: Mapping[str, Any], own_id: int) -> None:
        sku = data.get("sku")
        if sku and self._sku_taken(str(sku), own_id):
            raise WooError("product_invalid_sku", "Invalid or duplicated SKU.", 400)

    def _apply(self, product: dict[str, Any], data: Mapping[str, Any], *, creating: bool) -> None:
        self._check_sku(data, product["id"])
        if "images" in data:
            product["images"] = [self._image(image) for image in data["images"]]
        for name in ("name", "slug", "type", "status", "sku", "description", "short_description"):
            if name in data:
                product[name] = data[name]
        for name in ("regular_price", "sale_price", "weight"):
            if name in data:
                product[name] = data[name]
        if "attributes" in data:
            product["attributes"] = [_attribute(a, n) for n, a in enumerate(data["attributes"])]
        for name in ("categories", "tags"):
            if name in data:
                product[name] = [dict(item) for item in data[name]]
        for meta in data.get("meta_data") or []:
            _set_meta(product["meta_data"], meta, self._ids)
        if not product["slug"] and product["name"]:
            product["slug"] = "-".join(str(product["name"]).lower().split())
        if not creating:
            product["date_modified"] = self.now()

    def _apply_variation(self, variation: dict[str, Any], data: Mapping[str, Any]) -> None:
        self._check_sku(data, variation["id"])
        if "image" in data:
            variation["image"] = None if not data["image"] else self._image(data["image"])
        for name in ("sku", "status", "description", "regular_price", "sale_price", "weight"):
            if name in data:
                variation[name] = data[name]
        if "attributes" in data:
            variation["attributes"] = [
                {"id": 0, "name": str(a.get("name") or ""), "option": str(a.get("option") or "")}
                for a in data["attributes"]
            ]
        for meta in data.get("meta_data") or []:
            _set_meta(variation["meta_data"], meta, self._ids)
        variation["date_modified"] = self.now()

    def _image(self, image: Any) -> dict[str, Any]:
        src = image.get("src") if isinstance(image, dict) else None
        if not isinstance(src, str) or not src.startswith(("http://", "https://")):
            raise WooError(
                "woocommerce_product_image_upload_error",
                f"Error getting remote image {str(src)[:200]}.",
                400,
            )
        return {"id": next(self._ids), "src": src, "name": src.rsplit("/", 1)[-1]}


def _price(post: Mapping[str, Any]) -> str:
    return str(post.get("sale_price") or post.get("regular_price") or "")


def _attribute(data: Any, position: int) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"]:
        raise _invalid({"attributes": "attributes[name] is required."})
    options = data.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise _invalid({"attributes": "attributes[options] is not of type array of strings."})
    return {
        "id": 0,
        "name": data["name"],
        "position": int(data.get("position", position)),
        "visible": bool(data.get("visible", True)),
        "variation": bool(data.get("variation", False)),
        "options": list(options),
    }


def _set_meta(metas: list[dict[str, Any]], meta: Any, ids: itertools.count[int]) -> None:
    """WooCommerce's rule: by ``id`` when given, else the first meta with that key, else a new one."""
    if not isinstance(meta, dict) or not isinstance(meta.get("key"), str):
        raise _invalid({"meta_data": "meta_data[key] is not of type string."})
    target = next((m for m in metas if meta.get("id") and m["id"] == meta["id"]), None)
    target = target or next((m for m in metas if m["key"] == meta["key"]), None)
    if target is None:
        metas.append({"id": next(ids), "key": meta["key"], "value": meta.get("value")})
    else:
        target["value"] = meta.get("value")


def _check_types(
    data: Mapping[str, Any], strings: tuple[str, ...], lists: tuple[str, ...], *, enums: Mapping[str, tuple[str, ...]]
) -> None:
    if not isinstance(data, Mapping):
        raise WooError("rest_invalid_json", "Invalid JSON body passed.", 400)
    wrong: dict[str, str] = {}
    for name in strings:
        if name in data and not isinstance(data[name], str):
            wrong[name] = f"{name} is not of type string."
    for name in lists:
        if name in data and not isinstance(data[name], list):
            wrong[name] = f"{name} is not of type array."
    for name, allowed in enums.items():
        if name in data and data[name] not in allowed:
            wrong[name] = f"{name} is not one of {', '.join(allowed)}."
    if wrong:
        raise _invalid(wrong)
