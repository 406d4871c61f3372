"""The catalog is a pure function of the seed and size, and looks like CJ's."""

from __future__ import annotations

import json
import re

from reconciler.sandbox.catalog import generate_catalog

UUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
NUMERIC = re.compile(r"^\d{19}$")
PRICE = re.compile(r"^\d+\.\d{2}(-\d+\.\d{2})?$")


def test_the_same_seed_gives_the_same_catalog() -> None:
    assert generate_catalog(seed=3, count=200).snapshot() == generate_catalog(seed=3, count=200).snapshot()
    assert generate_catalog(seed=3, count=200).snapshot() != generate_catalog(seed=4, count=200).snapshot()


def test_the_catalog_has_the_requested_size_and_the_fixed_products_first() -> None:
    catalog = generate_catalog(seed=1, count=500)
    assert len(catalog) == 500
    assert catalog.pids()[:3] == [
        "2503190327561613000",
        "1658748072937136128",
        "000B9312-456A-4D31-94BD-B083E2A198E8",
    ]
    assert len(generate_catalog(seed=1, count=0)) == 3


def test_the_catalog_mixes_pid_forms_pod_and_availability_like_cj() -> None:
    catalog = generate_catalog(seed=1, count=1000)
    details = catalog.snapshot()
    pids = [str(d["pid"]) for d in details]
    assert all(UUID.match(p) or NUMERIC.match(p) for p in pids)
    assert 0.4 < sum(bool(UUID.match(p)) for p in pids) / len(pids) < 0.6
    assert all(int(p) > 2**53 for p in pids if NUMERIC.match(p))
    pod = sum(int(str(d["customizationVersion"])) > 0 for d in details) / len(details)
    assert 0.10 < pod < 0.20
    assert 0.03 < len(catalog.pids("offline")) / len(details) < 0.07
    assert 0.015 < len(catalog.pids("removed")) / len(details) < 0.045
    prices = [str(d["sellPrice"]) for d in details]
    assert all(PRICE.match(p) for p in prices)
    assert any("-" in p for p in prices)
    for detail in details:
        variants = detail["variants"]
        assert isinstance(variants, list) and 1 <= len(variants) <= 6
        assert json.loads(str(detail["productName"])) == [detail["productNameEn"]]
        assert all(isinstance(v["variantSellPrice"], float) for v in variants)
