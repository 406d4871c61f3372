"""One Shopify shop's catalogue as the stand-in keeps it, and the root fields that work on it.

:class:`Shop` holds products (with their variants, options and metafields) and metafield
definitions, and answers the root fields cjrec uses, as graphql-core resolvers
(:class:`Root`): ``productSet`` (create or upsert by ``identifier`` — ``id``, ``handle`` or a
``customId`` metafield whose definition has type ``id``; list fields replaced wholesale as
Shopify does: variants, metafields, collections and files not in the input are deleted),
``productVariantsBulkUpdate`` (only the fields given), ``productUpdate``, ``productDelete``,
``metafieldDefinitionCreate``, and the reads ``productByIdentifier``, ``product`` and
``nodes``. Business errors are ``userErrors`` with Shopify's codes. The merchant's side
(:meth:`Shop.merchant_edit`, :meth:`Shop.merchant_delete`) changes products as the admin
would, so tests can prove cjrec leaves the merchant's fields alone.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_VARIANTS = 2048
MAX_ARRAY = 250
GID = "gid://shopify/{kind}/{n}"


def _gid(kind: str, n: int) -> str:
    return GID.format(kind=kind, n=n)


@dataclass
class Shop:
    """The catalogue of one shop; not thread-safe (the API holds a lock around every call)."""

    now: Callable[[], str]  # ISO-8601 UTC time for createdAt/updatedAt
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # by gid, in creation order
    definitions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (namespace, key)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self, kind: str) -> str:
        return _gid(kind, next(self._ids))

    # -- lookups -------------------------------------------------------------------------
    def find(self, identifier: dict[str, Any]) -> dict[str, Any] | None:
        """The product an identifier names (``id`` | ``handle`` | ``customId``), if any."""
        if identifier.get("id"):
            return self.products.get(identifier["id"])
        if identifier.get("handle"):
            return next((p for p in self.products.values() if p["handle"] == identifier["handle"]), None)
        custom = identifier.get("customId")
        if custom:
            key = (custom.get("namespace") or "app", custom["key"])
            return next(
                (p for p in self.products.values() if p["metafields"].get(key, {}).get("value") == custom["value"]),
                None,
            )
        return None

    # -- the merchant's side ---------------------------------------------------------------
    def merchant_edit(self, gid: str, **changes: Any) -> None:
        """Change a product as a merchant would in Shopify's admin: ``title``, ``descriptionHtml``,
        ``tags``, ``collections``, ``seo``, ``extraImages`` (appended), ``metafield=(ns, key, value)``,
        ``variant_price={variant_gid: price}``. KeyError for an unknown product or variant."""
        product = self.products[gid]
        for name, value in changes.items():
            if name == "metafield":
                namespace, key, text = value
                product["metafields"][(namespace, key)] = {"type": "single_line_text_field", "value": text}
            elif name == "variant_price":
                for variant_gid, price in value.items():
                    _variant(product, variant_gid)["price"] = str(price)
            elif name == "extraImages":
                product["files"].extend(value)
            else:
                product[name] = value
        product["updatedAt"] = self.now()

    def merchant_delete(self, gid: str) -> None:
        """Delete a product in Shopify's admin."""
        del self.products[gid]


def _variant(product: dict[str, Any], gid: str) -> dict[str, Any]:
    for variant in product["variants"]:
        if variant["id"] == gid:
            found: dict[str, Any] = variant
            return found
    raise KeyError(gid)


def _error(field_path: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    return {"field": field_path, "message": message, "code": code}


class Root:
    """The root value graphql-core resolves the query and mutation fields on."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    # -- reads ------------------------------------------------------------------------------
    def productByIdentifier(self, info: Any, identifier: dict[str, Any]) -> dict[str, Any] | None:
        product = self.shop.find(identifier)
        return None if product is None else render_product(product)

    def product(self, info: Any, id: str) -> dict[str, Any] | None:
        product = self.shop.products.get(id)
        return None if product is None else render_product(product)

    def nodes(self, info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
        return [self.product(info, gid) for gid in ids]

    # -- metafield definitions -------------------------------------------------------------
    def metafieldDefinitionCreate(self, info: Any, definition: dict[str, Any]) -> dict[str, Any]:
        key = (definition.get("namespace") or "app", definition["key"])
        if definition["ownerType"] != "PRODUCT":
            return {
                "createdDefinition": None,
                "userErrors": [_error(["definition", "ownerType"], "only PRODUCT here", "INVALID")],
            }
        if key in self.shop.definitions:
            return {
                "createdDefinition": None,
                "userErrors": [
                    _error(
                        ["definition", "key"], "Key is in use for Product metafields on the 'cjrec' namespace.", "TAKEN"
                    )
                ],
            }
        created = {
            "id": self.shop.next_id("MetafieldDefinition"),
            "namespace": key[0],
            "key": key[1],
            "name": definition["name"],
            "ownerType": "PRODUCT",
            "type": {"name": definition["type"], "category": "REFERENCE" if definition["type"] == "id" else "TEXT"},
        }
        self.shop.definitions[key] = created
        return {"createdDefinition": created, "userErrors": []}

    # -- productSet ---------------------------------------------------------------------------
    def productSet(
        self,
        info: Any,
        input: dict[str, Any],
        synchronous: bool = True,
        identifier: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        errors = _check_set_input(input)
        custom = (identifier or {}).get("customId")
        if custom is not None:
            key = (custom.get("namespace") or "app", custom["key"])
            definition = self.shop.definitions.get(key)
            if definition is None or definition["type"]["name"] != "id":
                errors.append(
                    _error(
                        ["identifier", "customId"],
                        f"Metafield definition {key[0]}.{key[1]} of type id does not exist",
                        "INVALID_METAFIELD",
                    )
                )
        if errors:
            return {"product": None, "productSetOperation": None, "userErrors": errors}
        product = self.shop.find(identifier) if identifier else None
        if identifier and (identifier.get("id") or identifier.get("handle")) and product is None:
            return {
                "product": None,
                "productSetOperation": None,
                "userErrors": [_error(["identifier"], "Product does not exist", "NOT_FOUND")],
            }
        creating = product is None
        if creating:
            if not input.get("title"):
                return {
                    "product": None,
                    "productSetOperation": None,
                    "userErrors": [_error(["input", "title"], "Title can't be blank", "INVALID_PRODUCT")],
                }
            product = {
                "id": self.shop.next_id("Product"),
                "title": "",
                "handle": "",
                "descriptionHtml": "",
                "vendor": "",
                "productType": "",
                "status": "ACTIVE",
                "tags": [],
                "collections": [],
                "files": [],
                "seo": None,
                "options": [],
                "variants": [],
                "metafields": {},
                "createdAt": self.shop.now(),
            }
        assert product is not None
        staged: dict[str, Any] = copy.deepcopy(product)
        for name in ("title", "handle", "descriptionHtml", "vendor", "productType", "status", "seo"):
            if name in input and input[name] is not None:
                staged[name] = input[name]
        for name in ("tags", "collections", "files"):
            if name in input and input[name] is not None:
                staged[name] = list(input[name])
        if "metafields" in input and input["metafields"] is not None:
            staged["metafields"] = {
                (m.get("namespace") or "app", m["key"]): {
                    "type": m.get("type") or "single_line_text_field",
                    "value": m["value"],
                }
                for m in input["metafields"]
            }
        if custom is not None:  # the identifier's own metafield is kept
            staged["metafields"][(custom.get("namespace") or "app", custom["key"])] = {
                "type": "id",
                "value": custom["value"],
            }
        if not staged["handle"]:
            staged["handle"] = _handle(staged["title"], self.shop)
        if input.get("productOptions") is not None:
            staged["options"] = [
                {
                    "id": self.shop.next_id("ProductOption"),
                    "name": option["name"],
                    "position": option.get("position") or position,
                    "values": [value["name"] for value in option.get("values") or []],
                }
                for position, option in enumerate(input["productOptions"], start=1)
            ]
        if input.get("variants") is not None:
            result = self._variants(staged, input["variants"])
            if isinstance(result, list) and result and "message" in result[0]:
                return {"product": None, "productSetOperation": None, "userErrors": result}
            staged["variants"] = result
        elif creating:
            staged["variants"] = [_new_variant(self.shop, {"optionValues": [], "price": "0.00"}, 1)]
        staged["updatedAt"] = self.shop.now()
        self.shop.products[staged["id"]] = staged
        return {"product": render_product(staged), "productSetOperation": None, "userErrors": []}

    def _variants(self, product: dict[str, Any], given: list[dict[str, Any]]) -> list[dict[str, Any]]:
        options = {option["name"]: option["values"] for option in product["options"]}
        existing = {v["id"]: v for v in product["variants"]}
        by_options = {_option_key(v["selectedOptions"]): v for v in product["variants"]}
        out: list[dict[str, Any]] = []
        seen: set[tuple[tuple[str, str], ...]] = set()
        for index, spec in enumerate(given):
            selected = [{"name": o.get("optionName") or "", "value": o.get("name") or ""} for o in spec["optionValues"]]
            for chosen in selected:
                if chosen["name"] not in options or chosen["value"] not in options[chosen["name"]]:
                    return [
                        _error(
                            ["input", "variants", str(index), "optionValues"],
                            f"Option value {chosen['value']!r} of {chosen['name']!r} is not an option of the product",
                            "INVALID_VARIANT",
                        )
                    ]
            if options and len(selected) != len(options):
                return [
                    _error(
                        ["input", "variants", str(index), "optionValues"],
                        "Every option needs a value",
                        "INVALID_VARIANT",
                    )
                ]
            key = _option_key(selected)
            if key in seen:
                return [_error(["input", "variants", str(index)], "The variant already exists", "DUPLICATE_INPUT")]
            seen.add(key)
            if spec.get("id"):
                if spec["id"] not in existing:
                    return [
                        _error(
                            ["input", "variants", str(index), "id"],
                            "Variant does not exist",
                            "PRODUCT_VARIANT_DOES_NOT_EXIST",
                        )
                    ]
                variant = copy.deepcopy(existing[spec["id"]])
            elif key in by_options:
                variant = copy.deepcopy(by_options[key])
            else:
                variant = _new_variant(self.shop, spec, index + 1)
            _apply_variant_fields(variant, spec)
            variant["selectedOptions"] = selected
            variant["position"] = spec.get("position") or index + 1
            out.append(variant)
        return out

    # -- productVariantsBulkUpdate ---------------------------------------------------------------
    def productVariantsBulkUpdate(
        self,
        info: Any,
        variants: list[dict[str, Any]],
        productId: str,
        media: Any = None,
        allowPartialUpdates: bool = False,
    ) -> dict[str, Any]:
        product = self.shop.products.get(productId)
        if product is None:
            return {
                "product": None,
                "productVariants": None,
                "userErrors": [_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")],
            }
        if len(variants) > MAX_ARRAY:
            return {
                "product": None,
                "productVariants": None,
                "userErrors": [_error(["variants"], f"at most {MAX_ARRAY} variants per call", "INVALID_INPUT")],
            }
        staged = copy.deepcopy(product)
        touched = []
        for index, spec in enumerate(variants):
            if not spec.get("id"):
                return {
                    "product": None,
                    "productVariants": None,
                    "userErrors": [
                        _error(
                            ["variants", str(index), "id"],
                            "Product variant id is missing",
                            "PRODUCT_VARIANT_ID_MISSING",
                        )
                    ],
                }
            try:
                variant = _variant(staged, spec["id"])
            except KeyError:
                return {
                    "product": None,
                    "productVariants": None,
                    "userErrors": [
                        _error(
                            ["variants", str(index), "id"],
                            "Product variant does not exist",
                            "PRODUCT_VARIANT_DOES_NOT_EXIST",
                        )
                    ],
                }
            if spec.get("price") is not None and float(spec["price"]) < 0:
                return {
                    "product": None,
                    "productVariants": None,
                    "userErrors": [
                        _error(
                            ["variants", str(index), "price"],
                            "Price must be greater than or equal to 0",
                            "NEGATIVE_PRICE_VALUE",
                        )
                    ],
                }
            _apply_variant_fields(variant, spec)
            touched.append(variant)
        staged["updatedAt"] = self.shop.now()
        self.shop.products[productId] = staged
        return {
            "product": render_product(staged),
            "productVariants": [render_variant(v) for v in touched],
            "userErrors": [],
        }

    # -- productUpdate / productDelete ---------------------------------------------------------
    def productUpdate(self, info: Any, product: dict[str, Any] | None = None, media: Any = None) -> dict[str, Any]:
        given = product or {}
        found = self.shop.products.get(given.get("id") or "")
        if found is None:
            return {"product": None, "userErrors": [_error(["id"], "Product does not exist")]}
        for name in ("title", "handle", "descriptionHtml", "vendor", "productType", "status", "seo"):
            if given.get(name) is not None:
                found[name] = given[name]
        if given.get("tags") is not None:
            found["tags"] = list(given["tags"])
        for m in given.get("metafields") or []:  # productUpdate upserts the metafields it is given
            found["metafields"][(m.get("namespace") or "app", m["key"])] = {
                "type": m.get("type") or "single_line_text_field",
                "value": m["value"],
            }
        found["updatedAt"] = self.shop.now()
        return {"product": render_product(found), "userErrors": []}

    def productDelete(self, info: Any, input: dict[str, Any], synchronous: bool = True) -> dict[str, Any]:
        gid = input["id"]
        if gid not in self.shop.products:
            return {"deletedProductId": None, "userErrors": [_error(["id"], "Product does not exist")]}
        del self.shop.products[gid]
        return {"deletedProductId": gid, "userErrors": []}


def _check_set_input(given: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    if given.get("variants") is not None and len(given["variants"]) > MAX_VARIANTS:
        errors.append(
            _error(["input", "variants"], f"Products can have at most {MAX_VARIANTS} variants", "VARIANTS_OVER_LIMIT")
        )
    for name in ("tags", "metafields", "files", "collections", "productOptions"):
        if given.get(name) is not None and len(given[name]) > MAX_ARRAY:
            errors.append(_error(["input", name], f"at most {MAX_ARRAY} items", "INVALID_INPUT"))
    if given.get("productOptions") is not None and len(given["productOptions"]) > 3:
        errors.append(_error(["input", "productOptions"], "Products can have at most 3 options", "OPTIONS_OVER_LIMIT"))
    return errors


def _option_key(selected: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((s["name"], s["value"]) for s in selected))


def _handle(title: str, shop: Shop) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-") or "product"
    base = "-".join(part for part in base.split("-") if part)[:200]
    taken = {p["handle"] for p in shop.products.values()}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _new_variant(shop: Shop, spec: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "id": shop.next_id("ProductVariant"),
        "inventoryItemId": shop.next_id("InventoryItem"),
        "sku": None,
        "price": "0.00",
        "compareAtPrice": None,
        "cost": None,
        "weight": None,
        "tracked": False,
        "position": position,
        "selectedOptions": [],
        "createdAt": shop.now(),
    }


def _apply_variant_fields(variant: dict[str, Any], spec: dict[str, Any]) -> None:
    for name in ("sku", "price", "compareAtPrice", "barcode"):
        if name in spec and (spec[name] is not None or name == "compareAtPrice"):
            variant[name] = None if spec[name] is None else str(spec[name])
    item = spec.get("inventoryItem") or {}
    if item.get("cost") is not None:
        variant["cost"] = str(item["cost"])
    if item.get("sku") is not None:
        variant["sku"] = item["sku"]
    if item.get("tracked") is not None:
        variant["tracked"] = bool(item["tracked"])
    weight = (item.get("measurement") or {}).get("weight")
    if weight is not None:
        variant["weight"] = {"value": float(weight["value"]), "unit": weight["unit"]}


def render_variant(variant: dict[str, Any]) -> dict[str, Any]:
    """A variant as the API answers it (graphql-core picks the fields the query asks for)."""
    return {
        "__typename": "ProductVariant",
        "id": variant["id"],
        "sku": variant["sku"],
        "barcode": variant.get("barcode"),
        "price": variant["price"],
        "compareAtPrice": variant["compareAtPrice"],
        "position": variant["position"],
        "title": " / ".join(s["value"] for s in variant["selectedOptions"]) or "Default Title",
        "displayName": " / ".join(s["value"] for s in variant["selectedOptions"]) or "Default Title",
        "selectedOptions": variant["selectedOptions"],
        "createdAt": variant["createdAt"],
        "updatedAt": variant["createdAt"],
        "inventoryItem": {
            "__typename": "InventoryItem",
            "id": variant["inventoryItemId"],
            "sku": variant["sku"],
            "tracked": variant["tracked"],
            "unitCost": None if variant["cost"] is None else {"amount": variant["cost"], "currencyCode": "USD"},
            "measurement": {"id": variant["inventoryItemId"] + "/measurement", "weight": variant["weight"]},
        },
    }


def _connection(items: list[dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def page(
        info: Any, first: int | None = None, last: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        start = int(after) if after and after.isdigit() else 0
        size = first if first is not None else last if last is not None else len(items)
        chosen = items[start : start + size]
        end = start + len(chosen)
        return {
            "nodes": chosen,
            "edges": [{"node": node, "cursor": str(start + i + 1)} for i, node in enumerate(chosen)],
            "pageInfo": {
                "hasNextPage": end < len(items),
                "hasPreviousPage": start > 0,
                "startCursor": str(start + 1) if chosen else None,
                "endCursor": str(end) if chosen else None,
            },
        }

    return page


def render_product(product: dict[str, Any]) -> dict[str, Any]:
    """A product as the API answers it; fields with arguments are callables graphql-core calls."""
    variants = [render_variant(v) for v in sorted(product["variants"], key=lambda v: v["position"])]
    metafields = [
        {
            "__typename": "Metafield",
            "id": f"{product['id']}/metafield/{ns}.{key}",
            "namespace": ns,
            "key": key,
            **value,
            "ownerType": "PRODUCT",
        }
        for (ns, key), value in product["metafields"].items()
    ]

    def metafield(info: Any, key: str, namespace: str | None = None) -> dict[str, Any] | None:
        return next((m for m in metafields if m["key"] == key and m["namespace"] == (namespace or "app")), None)

    def options(info: Any, first: int | None = None) -> list[dict[str, Any]]:
        shown = [
            {
                "__typename": "ProductOption",
                "id": o["id"],
                "name": o["name"],
                "position": o["position"],
                "values": o["values"],
                "optionValues": [
                    {"id": f"{o['id']}/{n}", "name": v, "hasVariants": True} for n, v in enumerate(o["values"])
                ],
            }
            for o in product["options"]
        ]
        return shown[:first] if first is not None else shown

    rendered = {k: v for k, v in product.items() if k not in ("variants", "metafields", "options", "files")}
    rendered.update(
        {
            "__typename": "Product",
            "variants": _connection(variants),
            "metafields": _connection(metafields),
            "metafield": metafield,
            "options": options,
            "totalVariants": len(variants),
            "hasOnlyDefaultVariant": not product["options"],
        }
    )
    return rendered
