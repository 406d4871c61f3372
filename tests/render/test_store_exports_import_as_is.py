"""``export --format shopify|woocommerce``: a product CSV each store's importer takes as is.

Each file is parsed back with a CSV reader and checked column by column: Shopify's current
header names, one stable ``URL handle`` per product (lowercase letters, digits, dashes),
option names from CJ's ``productKeyEn``, ``Title``/``Default Title`` for one variant, at most
three options; WooCommerce's ``variable`` parent listing every value, ``variation`` rows whose
``Parent`` is the parent's SKU with ``Regular price``, ``simple`` for one variant. Only the
selected variants, at the computed prices.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from reconciler.models.cj import ProductDetail
from reconciler.models.state import SyncState
from reconciler.render.catalog_export import render_catalog
from reconciler.render.store_export import SHOPIFY_COLUMNS, render_store_csv
from tests.support.plan_builders import applied, desired, observed, pid, plan, product
from tests.support.pricing_examples import shirt, worked_rule

P1, P2, P3 = pid(1), pid(2), pid(3)


def catalogue(*extra: ProductDetail, selection: tuple[str, ...] = ("Black-*",)) -> SyncState:
    """P1: a shirt selling its two black variants; P2: a one-variant mug; plus ``extra`` products."""
    mug = shirt(P2, {"White": "5.00"})
    mug = ProductDetail(
        **{**{f: getattr(mug, f) for f in mug.__slots__}, "name": "Enamel Mug", "option_names": "Color"}
    )  # type: ignore[attr-defined]
    items = [product(P1, include=selection), product(P2), *(product(d.pid) for d in extra)]
    want = desired(items, pricing=[worked_rule()])
    return applied(plan(want, None, observed(details=[shirt(P1), mug, *extra])), None)


def rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def test_shopify_uses_the_current_header_names() -> None:
    header, _ = rows(render_store_csv(catalogue(), "shopify").text)

    assert header == list(SHOPIFY_COLUMNS)
    for name in (
        "Title",
        "URL handle",
        "Option1 name",
        "Option1 value",
        "SKU",
        "Price",
        "Compare-at price",
        "Cost per item",
        "Weight value (grams)",
        "Product image URL",
        "Variant image URL",
        "Status",
    ):
        assert name in header


def test_shopify_rows_are_the_selected_variants_at_their_prices() -> None:
    export = render_store_csv(catalogue(), "shopify")
    _, found = rows(export.text)

    shirt_rows = [r for r in found if r["URL handle"] == f"cj-{P1}"]
    assert [r["SKU"] for r in shirt_rows] == ["SH-Black-M", "SH-Black-S"]  # White-S is not selected
    assert [(r["Option1 value"], r["Option2 value"]) for r in shirt_rows] == [("Black", "M"), ("Black", "S")]
    first, second = shirt_rows
    assert (first["Title"], first["Option1 name"], first["Option2 name"]) == ("Cotton Shirt", "Color", "Size")
    assert (second["Title"], second["Option1 name"]) == ("", "")  # later rows carry only variant fields
    assert (first["Price"], first["Compare-at price"], first["Cost per item"]) == ("9.99", "12.99", "3.07")
    assert (first["Weight value (grams)"], first["Status"], first["Published on online store"]) == (
        "180",
        "active",
        "TRUE",
    )
    assert first["Product image URL"] == "https://img.example.com/shirt.jpg"
    assert first["Variant image URL"] == "https://img.example.com/Black-M.jpg"
    assert (export.products, export.rows) == (2, 3)


def test_every_handle_is_stable_and_made_of_lowercase_letters_digits_and_dashes() -> None:
    _, found = rows(render_store_csv(catalogue(), "shopify").text)

    handles = {r["URL handle"] for r in found}
    assert handles == {f"cj-{P1}", f"cj-{P2}"}
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", h) for h in handles)


def test_a_single_variant_product_uses_title_and_default_title() -> None:
    _, found = rows(render_store_csv(catalogue(), "shopify").text)

    [mug] = [r for r in found if r["URL handle"] == f"cj-{P2}"]
    assert (mug["Option1 name"], mug["Option1 value"], mug["Price"]) == ("Title", "Default Title", "15.99")


def test_more_than_three_options_are_joined_into_the_third() -> None:
    many = shirt(P3, {"Red-S-Cotton-Long": "4.00", "Red-M-Cotton-Long": "4.00", "Red-M-Linen-Short": "4.00"})
    many = ProductDetail(
        **{**{f: getattr(many, f) for f in many.__slots__}, "option_names": "Color-Size-Fabric-Sleeve"}
    )  # type: ignore[attr-defined]

    export = render_store_csv(catalogue(many), "shopify")
    _, found = rows(export.text)

    lines = [r for r in found if r["URL handle"] == f"cj-{P3}"]
    assert lines[0]["Option3 name"] == "Fabric / Sleeve"
    assert [r["Option3 value"] for r in lines] == ["Cotton / Long", "Linen / Short", "Cotton / Long"]
    assert any("more than 3 options" in note for note in export.notes)


def test_variant_keys_that_do_not_split_fall_back_to_one_option() -> None:
    odd = shirt(P3, {"Black": "4.00", "Black-XL": "4.00"})

    _, found = rows(render_store_csv(catalogue(odd), "shopify").text)

    lines = [r for r in found if r["URL handle"] == f"cj-{P3}"]
    assert lines[0]["Option1 name"] == "Variant"
    assert [r["Option1 value"] for r in lines] == ["Black", "Black-XL"]


def test_woocommerce_writes_a_variable_parent_and_its_variations() -> None:
    _, found = rows(render_store_csv(catalogue(selection=("*",)), "woocommerce").text)

    parent = next(r for r in found if r["Type"] == "variable")
    assert (parent["SKU"], parent["Name"], parent["Published"]) == ("SH", "Cotton Shirt", "1")
    assert (parent["Attribute 1 name"], parent["Attribute 1 value(s)"]) == ("Color", "Black, White")
    assert (parent["Attribute 2 name"], parent["Attribute 2 value(s)"]) == ("Size", "M, S")
    variations = [r for r in found if r["Type"] == "variation"]
    assert {r["Parent"] for r in variations} == {"SH"}
    assert [(r["SKU"], r["Regular price"]) for r in variations] == [
        ("SH-Black-M", "9.99"),
        ("SH-Black-S", "9.99"),
        ("SH-White-S", "79.99"),
    ]
    assert [(r["Attribute 1 value(s)"], r["Attribute 2 value(s)"]) for r in variations][2] == ("White", "S")
    assert variations[0]["Weight (kg)"] == "0.18"


def test_woocommerce_writes_a_single_variant_as_simple() -> None:
    _, found = rows(render_store_csv(catalogue(), "woocommerce").text)

    [mug] = [r for r in found if r["Type"] == "simple"]
    assert (mug["SKU"], mug["Name"], mug["Regular price"], mug["Parent"]) == ("SH-White", "Enamel Mug", "15.99", "")


def test_unpriced_variants_and_products_are_left_out_and_said() -> None:
    free = shirt(P3, {"Black-S": None, "Black-M": None})

    export = render_store_csv(catalogue(free), "shopify")

    assert f"cj-{P3}" not in {r["URL handle"] for r in rows(export.text)[1]}
    assert any("left out" in note and P3 in note for note in export.notes)
    assert any("2 selected variant(s) left out" in note for note in export.notes)


def test_cjs_text_is_made_safe_for_each_store() -> None:
    hostile = shirt(P3, {"Black-S": "4.00"})
    hostile = ProductDetail(
        **{**{f: getattr(hostile, f) for f in hostile.__slots__}, "name": '=HYPERLINK("x")\x1b[31m'}
    )  # type: ignore[attr-defined]
    state = catalogue(hostile)

    woo = next(
        r
        for r in rows(render_store_csv(state, "woocommerce").text)[1]
        if r["SKU"] == "SH-Black-S" and r["Regular price"] == "12.99"
    )
    shopify = render_store_csv(state, "shopify")

    assert woo["Name"] == '\'=HYPERLINK("x")'  # quoted for WooCommerce's importer, escape sequence gone
    title = next(r["Title"] for r in rows(shopify.text)[1] if r["URL handle"] == f"cj-{P3}")
    assert title == '=HYPERLINK("x")'
    assert any("start with = + - or @" in note for note in shopify.notes)


def test_jsonl_and_csv_carry_the_store_prices() -> None:
    state = catalogue()

    record = next(json.loads(line) for line in render_catalog(state, "jsonl").splitlines() if P1 in line)
    table = list(csv.DictReader(io.StringIO(render_catalog(state, "csv"))))

    assert (record["pricing"], record["currency"]) == ("store", "USD")
    chosen = {v["sku"]: (v["selected"], v["store_price"], v["compare_at_price"]) for v in record["variants"]}
    assert chosen == {
        "SH-Black-M": (True, "9.99", "12.99"),
        "SH-Black-S": (True, "9.99", "12.99"),
        "SH-White-S": (False, None, None),
    }
    white = next(r for r in table if r["variant_sku"] == "SH-White-S")
    assert (white["selected"], white["store_price"]) == ("false", "")
    assert Decimal(next(r for r in table if r["variant_sku"] == "SH-Black-S")["store_price"]) == Decimal("9.99")
