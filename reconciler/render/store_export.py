"""The synced catalog as a product CSV a store imports as is: Shopify or WooCommerce.

Called by ``cjrec export --format shopify|woocommerce``. Pure, from the state alone (no API
call, no sops key): only the selected variants that have a store price (the listing
recorded by the last apply), at those prices. Every piece of CJ's text goes through
``reconciler.safe_text.for_store_csv`` (image URLs through ``http_url``): this module
writes no escaping of its own. What is left out is said in :attr:`StoreExport.notes`.

Decisions where the formats leave a choice:

- **Handle** (Shopify ``URL handle``): ``cj-<pid>`` (lowercased, anything but letters and
  digits a dash), derived from the pid only, so it stays
  the same when CJ renames the product and a re-import updates the product instead of
  duplicating it. The name is the ``Title``.
- **Options**: from CJ's variant keys by the rule publishing to Shopify uses too
  (``reconciler/kinds/listing/options.py``): names from ``productKeyEn``, values from each
  variantKey, a ``Variant`` option when they do not tell the variants apart, ``Title``/``Default
  Title`` for one variant, options 3 and beyond joined into the third.
- **Status**: ``active`` (Shopify) / published ``1`` (WooCommerce) while CJ has it on sale
  (status ``3``), else ``draft`` / ``-1``, so a product CJ stopped selling is not sold.
- **Stock** is not tracked (the state does not record it): Shopify ``Inventory tracker``
  empty, WooCommerce ``In stock?`` 1 without a quantity.
- **WooCommerce prices**: ``Regular price`` is the computed price; the compare-at price is
  not written, since WooCommerce shows a "was" price only as a permanent sale.
- ``Cost per item`` is CJ's cost base in the store currency (the rule's exchange rate).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from reconciler.kinds.listing.options import MAX_SHOPIFY_OPTIONS, fold, store_options
from reconciler.kinds.listing.payload import handle_of
from reconciler.kinds.product.record import ListedVariant, ProductRecord, VariantSnapshot, products_of
from reconciler.models.state import SyncState
from reconciler.safe_text import for_store_csv, http_url, starts_like_formula

STORE_FORMATS = ("shopify", "woocommerce")
ON_SALE = "3"

SHOPIFY_COLUMNS = (
    "Title",
    "URL handle",
    "Description",
    "Vendor",
    "Product category",
    "Type",
    "Tags",
    "Published on online store",
    "Status",
    "SKU",
    "Barcode",
    "Option1 name",
    "Option1 value",
    "Option1 Linked To",
    "Option2 name",
    "Option2 value",
    "Option2 Linked To",
    "Option3 name",
    "Option3 value",
    "Option3 Linked To",
    "Price",
    "Compare-at price",
    "Cost per item",
    "Charge tax",
    "Inventory tracker",
    "Inventory quantity",
    "Continue selling when out of stock",
    "Weight value (grams)",
    "Weight unit for display",
    "Requires shipping",
    "Fulfillment service",
    "Product image URL",
    "Image position",
    "Image alt text",
    "Variant image URL",
    "Gift card",
    "SEO title",
    "SEO description",
)

WOO_BASE_COLUMNS = (
    "ID",
    "Type",
    "SKU",
    "Name",
    "Published",
    "Is featured?",
    "Visibility in catalog",
    "Short description",
    "Description",
    "Tax status",
    "In stock?",
    "Stock",
    "Backorders allowed?",
    "Weight (kg)",
    "Regular price",
    "Sale price",
    "Images",
    "Parent",
)


@dataclass
class StoreExport:
    """The CSV text, how many products and rows it holds, and what it left out or changed."""

    text: str
    products: int = 0
    rows: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Item:
    """One exported variant: its vid, what CJ said of it, its price and its option values."""

    vid: str
    seen: VariantSnapshot
    listed: ListedVariant
    values: tuple[str, ...]


@dataclass(frozen=True)
class _Product:
    record: ProductRecord
    name: str
    option_names: tuple[str, ...]
    items: tuple[_Item, ...]
    rate: Decimal

    @property
    def active(self) -> bool:
        return self.record.snapshot is not None and self.record.snapshot.status == ON_SALE


def render_store_csv(state: SyncState, fmt: str) -> StoreExport:
    """The export in ``fmt`` (``shopify`` or ``woocommerce``)."""
    if fmt not in STORE_FORMATS:
        raise ValueError(f"unknown store format {fmt!r}")
    notes: list[str] = []
    products = _products(state, notes)
    if fmt == "shopify":
        return _shopify(products, notes)
    return _woocommerce(products, notes)


# -- what is exported -----------------------------------------------------------------
def _products(state: SyncState, notes: list[str]) -> list[_Product]:
    out = []
    unpriced = 0
    skipped: list[str] = []
    for pid in sorted(products_of(state)):
        record = products_of(state)[pid]
        snap = record.snapshot
        if snap is None or record.listing is None:
            skipped.append(pid)
            continue
        chosen = [
            (vid, snap.variants[vid], listed)
            for vid, listed in sorted(record.listing.variants.items())
            if vid in snap.variants
        ]
        priced = [(vid, seen, listed) for vid, seen, listed in chosen if listed.price is not None]
        unpriced += len(chosen) - len(priced)
        if not priced:
            skipped.append(pid)
            continue
        names, values = store_options(snap.option_names, [seen for _vid, seen, _listed in priced])
        items = tuple(
            _Item(vid, seen, listed, value) for (vid, seen, listed), value in zip(priced, values, strict=True)
        )
        out.append(_Product(record, snap.name, names, items, Decimal(record.listing.exchange_rate)))
    if skipped:
        notes.append(
            f"{len(skipped)} product(s) without store prices left out (no Pricing rule or price, or details never "
            f"queried): {', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''}"
        )
    if unpriced:
        notes.append(f"{unpriced} selected variant(s) left out: CJ gives them no cost, so they have no store price")
    return out


def _money(value: str | Decimal | None) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 180, 0.18, 10."""
    return format(value.normalize(), "f")


def _text(value: object, *, woo: bool) -> str:
    return for_store_csv(value, quote_formulas=woo)


def _write(columns: Sequence[str], rows: list[dict[str, str]]) -> str:
    """The CSV text: the columns, then each row's values in their order ("" for a column a row lacks).

    A row's keys are all columns (``csv.DictWriter`` checked that for every row, a fifth of an export).
    """
    extra = set().union(*rows) - set(columns)
    if extra:
        raise ValueError(f"rows with keys that are no column: {sorted(extra)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    blank, in_order = dict.fromkeys(columns, ""), itemgetter(*columns)
    writer.writerows(in_order({**blank, **row}) for row in rows)
    return buffer.getvalue()


# -- Shopify --------------------------------------------------------------------------
def _shopify(products: list[_Product], notes: list[str]) -> StoreExport:
    rows: list[dict[str, str]] = []
    folded = 0
    formula_like = 0
    for product in products:
        handle = handle_of(product.record.pid)
        snap = product.record.snapshot
        image = http_url(snap.image) if snap else None
        names, _ = fold(product.option_names, product.items[0].values)
        folded += len(product.option_names) > MAX_SHOPIFY_OPTIONS
        title = _text(product.name, woo=False)
        formula_like += starts_like_formula(title)
        for index, item in enumerate(product.items):
            _, values = fold(product.option_names, item.values)
            row = {
                "URL handle": handle,
                "SKU": _text(item.seen.sku, woo=False),
                "Price": _money(item.listed.price),
                "Compare-at price": _money(item.listed.compare_at),
                "Cost per item": _money(Decimal(item.listed.cost) * product.rate) if item.listed.cost else "",
                "Charge tax": "TRUE",
                "Inventory tracker": "",
                "Continue selling when out of stock": "deny",
                "Weight value (grams)": _plain(Decimal(item.seen.weight)) if item.seen.weight else "",
                "Weight unit for display": "g",
                "Requires shipping": "TRUE",
                "Fulfillment service": "manual",
                "Variant image URL": http_url(item.seen.image) or "",
            }
            for n, value in enumerate(values, start=1):
                row[f"Option{n} value"] = _text(value, woo=False)
            if index == 0:
                row.update(
                    {
                        "Title": title,
                        "Published on online store": "TRUE" if product.active else "FALSE",
                        "Status": "active" if product.active else "draft",
                        "Product image URL": image or "",
                        "Image position": "1" if image else "",
                        "Image alt text": title if image else "",
                        "Gift card": "FALSE",
                    }
                )
                for n, name in enumerate(names, start=1):
                    row[f"Option{n} name"] = _text(name, woo=False)
            rows.append(row)
    if folded:
        notes.append(
            f"{folded} product(s) have more than {MAX_SHOPIFY_OPTIONS} options: options 3 and beyond were joined "
            "into the third (names and values with ' / ')"
        )
    if formula_like:
        notes.append(
            f"{formula_like} title(s) start with = + - or @: Shopify keeps them as typed, but a spreadsheet opening "
            "this file would read them as formulas; import the file directly"
        )
    return StoreExport(_write(SHOPIFY_COLUMNS, rows), products=len(products), rows=len(rows), notes=notes)


# -- WooCommerce ----------------------------------------------------------------------
def _woocommerce(products: list[_Product], notes: list[str]) -> StoreExport:
    attributes = max((len(p.option_names) for p in products if len(p.items) > 1), default=0)
    columns = list(WOO_BASE_COLUMNS)
    for n in range(1, attributes + 1):
        columns += [
            f"Attribute {n} name",
            f"Attribute {n} value(s)",
            f"Attribute {n} visible",
            f"Attribute {n} global",
            f"Attribute {n} default",
        ]
    rows: list[dict[str, str]] = []
    for product in products:
        snap = product.record.snapshot
        published = "1" if product.active else "-1"
        name = _text(product.name, woo=True)
        common = {"Published": published, "Is featured?": "0", "Visibility in catalog": "visible"}
        common |= {"Tax status": "taxable", "In stock?": "1", "Backorders allowed?": "0"}
        if len(product.items) == 1:
            item = product.items[0]
            images = [u for u in (http_url(item.seen.image), http_url(snap.image) if snap else None) if u]
            rows.append(
                {
                    **common,
                    **_woo_variant(item),
                    "Type": "simple",
                    "Name": name,
                    "Images": ", ".join(dict.fromkeys(images)),
                }
            )
            continue
        parent_sku = _text(snap.sku if snap and snap.sku else f"cj-{product.record.pid}", woo=True)
        parent = {
            **common,
            "Type": "variable",
            "SKU": parent_sku,
            "Name": name,
            "Images": (http_url(snap.image) or "") if snap else "",
        }
        for n, option in enumerate(product.option_names, start=1):
            seen_values = dict.fromkeys(item.values[n - 1] for item in product.items)
            parent[f"Attribute {n} name"] = _text(option, woo=True)
            parent[f"Attribute {n} value(s)"] = ", ".join(_text(v, woo=True) for v in seen_values)
            parent[f"Attribute {n} visible"] = "1"
            parent[f"Attribute {n} global"] = "0"
        rows.append(parent)
        for item in product.items:
            row = {
                **common,
                **_woo_variant(item),
                "Type": "variation",
                "Name": _text(f"{product.name} - {', '.join(item.values)}", woo=True),
                "Parent": parent_sku,
                "Images": http_url(item.seen.image) or "",
            }
            for n, (option, value) in enumerate(zip(product.option_names, item.values, strict=True), start=1):
                row[f"Attribute {n} name"] = _text(option, woo=True)
                row[f"Attribute {n} value(s)"] = _text(value, woo=True)
                row[f"Attribute {n} global"] = "0"
            rows.append(row)
    return StoreExport(_write(columns, rows), products=len(products), rows=len(rows), notes=notes)


def _woo_variant(item: _Item) -> dict[str, str]:
    weight = item.seen.weight
    return {
        "SKU": _text(item.seen.sku, woo=True),
        "Regular price": _money(item.listed.price),
        "Weight (kg)": _plain(Decimal(weight) / 1000) if weight else "",
    }
