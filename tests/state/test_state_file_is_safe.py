"""state/sync.json: stable bytes, serial bumped only on change, atomic with a backup, never overwritten when bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.adapters.state_tree import TREE_FORMAT
from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.kinds.product.record import ProductRecord, with_product, without_product
from reconciler.models.state import SyncState
from tests.support.state_files import root_document, state_document

PID = "2503190327561613000"


def record(
    pid: str = PID, url: str = "https://cjdropshipping.com/product/x-p-2503190327561613000.html"
) -> ProductRecord:
    return ProductRecord(pid=pid, url=url, origin="added", snapshot=None)


def test_the_first_write_creates_serial_1_and_a_lineage(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    fresh = store.new_state()
    written = store.write(with_product(fresh, record()), previous=fresh)
    assert written.serial == 1
    root = root_document(tmp_path)
    assert root["format_version"] == TREE_FORMAT and root["serial"] == 1
    assert root["lineage"] == fresh.lineage
    data = state_document(tmp_path)
    assert list(data["products"]) == [PID]
    assert isinstance(next(iter(data["products"])), str)


def test_serial_is_bumped_only_when_the_content_changes(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    fresh = store.new_state()
    one = store.write(with_product(fresh, record()), previous=fresh)
    same = store.write(with_product(one, record()), previous=one)
    assert same.serial == 1
    two = store.write(
        with_product(one, record(url="https://cjdropshipping.com/product/y-p-2503190327561613000.html")), previous=one
    )
    assert two.serial == 2
    assert store.load() == two


def test_the_previous_version_is_kept_as_backup(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    fresh = store.new_state()
    one = store.write(with_product(fresh, record()), previous=fresh)
    first_bytes = store.path.read_bytes()
    store.write(without_product(one, PID), previous=one)
    assert store.backup.read_bytes() == first_bytes
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_bytes_are_stable_for_the_same_state(tmp_path: Path) -> None:
    state = SyncState(lineage="0b0e6b8e-63a5-4c1e-9a55-2a1f5a0b1e11", serial=3, products={PID: record()})
    assert render_state(state) == render_state(state_codec.decode(json.loads(render_state(state))))
    assert render_state(state).endswith(b"}\n")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ('{"format_version": 99, "serial": 1, "lineage": "x", "products": {}, "logos": {}}', "newer cjrec"),
        ('{"format_version": 0, "serial": 1, "lineage": "x", "products": {}, "logos": {}}', "unknown format_version"),
        (
            '{"format_version": 1, "serial": 1, "lineage": "not-a-uuid", "products": {}, "logos": {}}',
            "fails validation",
        ),
        (
            '{"format_version": 1, "serial": -1, "lineage": "0b0e6b8e-63a5-4c1e-9a55-2a1f5a0b1e11", "products": {}, "logos": {}}',
            "fails validation",
        ),
        (
            '{"format_version": 1, "serial": 1, "lineage": "0b0e6b8e-63a5-4c1e-9a55-2a1f5a0b1e11", "logos": {}}',
            "missing field 'products'",
        ),
        (
            '{"format_version": 1, "serial": 1, "lineage": "0b0e6b8e-63a5-4c1e-9a55-2a1f5a0b1e11", "products": {"abc": {"url": "u", "origin": "added", "snapshot": null}}, "logos": {}}',
            "not a CJ product id",
        ),
        ("[]", "must be a JSON object"),
    ],
)
def test_a_bad_state_file_is_refused_with_where_to_restore_it_from(tmp_path: Path, content: str, words: str) -> None:
    store = LocalStateStore(tmp_path)
    store.path.write_text(content)
    store.backup.write_text("{}")
    with pytest.raises(StateError) as info:
        store.load()
    assert words in info.value.message
    assert "sync.json" in info.value.message
    if "newer" not in words:
        assert "sync.json.backup" in (info.value.hint or "")
    assert store.path.read_text() == content
