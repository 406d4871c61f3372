"""State format 2 in a folder: a root naming content-addressed shards, written incrementally.

Records are spread over shard files by section and address hash (products) or kept in one
shard (the small sections); the root ``sync.json`` is written last and names every shard with
its SHA-256. A checkpoint after one change writes one shard and the root; a no-op writes
nothing; a shard that does not match the root is an error naming the file. A format-1 state of
the previous release (each fixture shape) is migrated by the first write, which keeps the old
file as ``sync.json.backup``. A state from a newer format names the cjrec it needs.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.adapters.state_store import LocalStateStore, parse_state
from reconciler.adapters.state_tree import TREE_FORMAT, shard_digits
from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.kinds.product.record import ProductRecord, products_of, with_product, without_product
from reconciler.models.product_url import product_url
from reconciler.models.state import Section, changed_since
from tests.support import state_files
from tests.support.state_files import catalogue, pid, root_document, shard_files, state_document

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "release-0.1").glob("*.json"))
LINEAGE = state_files.LINEAGE


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_records_are_spread_over_shards_the_root_names_with_their_hashes(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    written = store.write(catalogue(300), previous=None)
    root = root_document(tmp_path)
    assert root["format_version"] == TREE_FORMAT and root["serial"] == written.serial == 1
    assert root["needs_cjrec"] and root["sections"] == ["products", "logos", "webhooks"]
    assert set(root["shards"]) == set(shard_files(tmp_path))
    product_shards = [name for name in root["shards"] if name.startswith("products/")]
    assert len(product_shards) == 16  # 300 records: one hex digit, about 19 a shard (state_tree.SHARD_RECORDS)
    assert LocalStateStore(tmp_path).load() == written
    assert state_document(tmp_path)["products"].keys() == {pid(i) for i in range(300)}


def test_a_shard_is_one_record_a_line_with_sorted_keys(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    store.write(catalogue(3), previous=None)
    for name in shard_files(tmp_path):
        if name.startswith("products/"):
            lines = (tmp_path / name).read_text().splitlines()
            assert lines[0] == "{" and lines[-1] == "}"
            for line in lines[1:-1]:
                key, _, record = line.rstrip(",").partition(":")
                assert json.loads(key) in {pid(i) for i in range(3)}
                assert list(json.loads(record)) == sorted(json.loads(record))


def test_one_change_writes_one_shard_and_the_root_and_a_no_op_writes_nothing(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    first = store.write(catalogue(200), previous=None)
    before = files_of(tmp_path)
    same = store.write(with_product(first, products_of(first)[pid(7)]), previous=first)
    assert same is first and files_of(tmp_path) == before  # a no-op changes no byte

    changed = replace(products_of(first)[pid(7)], origin="adopted")
    second = store.write(with_product(first, changed), previous=first)
    after = files_of(tmp_path)
    new = {name for name in after if name not in before}
    assert {n for n in new if not n.startswith("sync.json")} == {
        n for n in root_document(tmp_path)["shards"] if n not in json.loads(before["sync.json"])["shards"]
    }
    assert len([n for n in new if n.startswith("products/")]) == 1
    assert second.serial == 2 and LocalStateStore(tmp_path).load() == second
    assert after["sync.json.backup"] == before["sync.json"]  # the previous root is kept

    third = store.write(with_product(second, replace(changed, origin="added")), previous=second)
    # the shard only the backup's backup named is gone; the backup's shards stay
    backup_names = set(json.loads((tmp_path / "sync.json.backup").read_bytes())["shards"])
    assert set(shard_files(tmp_path)) == set(root_document(tmp_path)["shards"]) | backup_names
    assert LocalStateStore(tmp_path).load() == third


def test_removing_and_adding_records_is_incremental_too(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    first = store.write(catalogue(50), previous=None)
    products = dict(products_of(first))
    products.pop(pid(3))
    products[pid(99)] = ProductRecord(pid(99), product_url(pid(99), "mug"), "added", None)
    second = store.write(replace(first, products=products), previous=first)
    assert LocalStateStore(tmp_path).load() == second
    assert set(products_of(second)) == set(products)


@pytest.mark.parametrize("damage", ["edit", "delete", "truncate"])
def test_a_shard_that_does_not_match_the_root_is_an_error_naming_it(tmp_path: Path, damage: str) -> None:
    store = LocalStateStore(tmp_path)
    store.write(catalogue(20), previous=None)
    name = next(n for n in shard_files(tmp_path) if n.startswith("products/"))
    path = tmp_path / name
    if damage == "edit":
        path.write_text(path.read_text().replace('"added"', '"adopted"'))
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(StateError) as info:
        LocalStateStore(tmp_path).load()
    assert name in info.value.message
    assert "sync.json" in (info.value.hint or "") or "git" in (info.value.hint or "")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_format_1_state_of_the_previous_release_is_migrated_by_the_first_write(tmp_path: Path, fixture: Path) -> None:
    shutil.copy(fixture, tmp_path / "sync.json")
    store = LocalStateStore(tmp_path)
    old = store.load()
    assert old is not None and old == parse_state(fixture.read_bytes(), "x", "x")
    assert store.write(old, previous=old) is old  # nothing new: nothing written, still format 1
    assert (tmp_path / "sync.json").read_bytes() == fixture.read_bytes()

    grown = with_product(old, ProductRecord(pid(1), product_url(pid(1), "mug"), "added", None))
    written = store.write(grown, previous=old)
    assert (tmp_path / "sync.json.backup").read_bytes() == fixture.read_bytes()  # the old file kept
    assert root_document(tmp_path)["format_version"] == TREE_FORMAT
    again = LocalStateStore(tmp_path).load()
    assert again == written and written.serial == old.serial + 1
    assert state_codec.content(again) == state_codec.content(grown)


def test_a_state_from_a_newer_format_names_the_cjrec_it_needs(tmp_path: Path) -> None:
    root = {"format_version": 3, "needs_cjrec": "0.9.0", "serial": 1, "lineage": LINEAGE, "shards": {}}
    (tmp_path / "sync.json").write_text(json.dumps(root))
    with pytest.raises(StateError) as info:
        LocalStateStore(tmp_path).load()
    assert "format_version 3" in info.value.message and "needs cjrec 0.9.0 or later" in info.value.message
    assert "pip install -U cjrec" in (info.value.hint or "")
    assert (tmp_path / "sync.json").read_text() == json.dumps(root)  # never overwritten


def test_shards_of_a_killed_write_that_no_root_names_are_swept_by_the_next(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    first = store.write(catalogue(5), previous=None)
    (tmp_path / "products" / "abc-0000000000000000.json").write_text("{}\n")
    (tmp_path / "products" / ".abc-1.json.1234.tmp").write_text("{")
    again = LocalStateStore(tmp_path)
    loaded = again.load()
    assert loaded == first
    again.write(with_product(first, ProductRecord(pid(9), product_url(pid(9), "mug"), "added", None)), previous=first)
    assert not (tmp_path / "products" / "abc-0000000000000000.json").exists()
    assert not list((tmp_path / "products").glob(".*.tmp"))


def test_the_root_is_the_indented_json_of_its_content(tmp_path: Path) -> None:
    LocalStateStore(tmp_path).write(catalogue(40), previous=None)
    raw = (tmp_path / "sync.json").read_bytes()
    assert raw == (json.dumps(json.loads(raw), indent=2) + "\n").encode()


def test_checkpoints_of_tracked_changes_write_what_a_full_comparison_writes(tmp_path: Path) -> None:
    """with_record/without_record remember the names they changed, so a checkpoint compares only those."""
    rng = random.Random(21)
    tracked, compared = LocalStateStore(tmp_path / "tracked"), LocalStateStore(tmp_path / "compared")
    state = catalogue(150)
    previous_t = tracked.write(state, previous=None)
    previous_c = compared.write(state, previous=None)
    for _ in range(12):
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(170)
            if pid(i) in products_of(state) and rng.random() < 0.3:
                state = without_product(state, pid(i))
            else:
                origin = rng.choice(["added", "adopted"])
                state = with_product(state, ProductRecord(pid(i), product_url(pid(i), "mug"), origin, None))
        assert changed_since(state.products, previous_t.products) is not None  # the tracked path is taken
        plain = replace(state, products=dict(state.products))  # the same records, no record of what changed
        previous_t = tracked.write(state, previous=previous_t)
        previous_c = compared.write(plain, previous=previous_c)
        assert files_of(tmp_path / "tracked") == files_of(tmp_path / "compared")
    assert LocalStateStore(tmp_path / "tracked").load() == previous_t


def test_a_section_stops_tracking_its_changes_past_the_limit_then_starts_again() -> None:
    state = catalogue(3)
    state = replace(state, products=dict(state.products))  # as loaded: a plain map
    first = state.products
    for i in range(Section.TRACKED + 1):
        state = with_product(state, ProductRecord(pid(10 + i), product_url(pid(10 + i), "mug"), "added", None))
        if i == 0:
            assert changed_since(state.products, first) == {pid(10)}
    assert changed_since(state.products, first) is None
    untracked = state.products
    state = with_product(state, ProductRecord(pid(1), product_url(pid(1), "mug"), "adopted", None))
    assert changed_since(state.products, untracked) == {pid(1)}  # counting starts again


def test_a_section_is_split_into_as_few_shards_as_keep_each_near_its_aim() -> None:
    assert [shard_digits(n, most=3, current=None) for n in (0, 1, 4096, 4097, 65536, 65537, 100_000)] == [
        1,
        1,
        1,
        2,
        2,
        3,
        3,
    ]
    # a section keeps its split until a shard would hold twice the aim, or half of it one digit down
    assert shard_digits(100_000, most=3, current=2) == 2  # 390 a shard: kept
    assert shard_digits(140_000, most=3, current=2) == 3  # 547 a shard: split further
    assert shard_digits(65_537, most=3, current=3) == 3  # 16 a shard, 256 one digit down: kept
    assert shard_digits(1_000, most=3, current=3) == 1  # 4,096 shards of 0.2: back to 16
    assert shard_digits(10_000, most=3, current=3) == 2


def test_a_catalogue_that_shrinks_is_re_split_and_the_old_shards_removed(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    big = catalogue(4_200)  # two digits: 256 shards
    written = store.write(big, previous=None)
    assert len([n for n in shard_files(tmp_path) if n.startswith("products/")]) == 256
    small = written
    for i in range(4_200, 300, -1):
        small = small.without_record("products", pid(i - 1))
    small = store.write(small, previous=written)
    smaller = small.without_record("products", pid(0))
    smaller = store.write(smaller, previous=small)  # removes the shards only the old backup named
    names = [n for n in shard_files(tmp_path) if n.startswith("products/")]
    assert all(len(n.split("/")[1].split("-")[0]) == 1 for n in names)  # no shard of the 256-way split left
    assert len([n for n in root_document(tmp_path)["shards"] if n.startswith("products/")]) == 16
    assert LocalStateStore(tmp_path).load() == smaller
