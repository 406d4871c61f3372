"""State format 2 in a bucket (moto_server on loopback): shard objects, the root written last, cleanup after it.

The objects are the folder's files byte for byte: the root ``sync.json`` names every shard with
its SHA-256 and is written (conditionally) only after every shard it names has landed. A
checkpoint after one change puts one shard and the root; a no-op puts nothing. Shards no root
names any more are deleted only after the root that drops them, and never those the backup
root names. A shard that does not match the root is an error naming the object. A format-1
object is migrated by the first write and kept as the backup.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import LocalStateStore, parse_state
from reconciler.adapters.state_tree import TREE_FORMAT
from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.kinds.product.record import ProductRecord, products_of, with_product
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState
from reconciler.models.state_location import parse_s3_url
from tests.support.client_fakes import FakeClock
from tests.support.s3_server import FaultProxy, S3Bucket
from tests.support.state_files import catalogue, pid, shard_files

PREFIX = "team/prod/"
FIXTURE = Path(__file__).parent / "fixtures" / "release-0.1" / "every-section.json"


def open_store(bucket: S3Bucket) -> S3StateStore:
    return S3StateStore(parse_s3_url(bucket.url(PREFIX)), clock=FakeClock())


def objects(bucket: S3Bucket) -> dict[str, bytes]:
    return {key.removeprefix(PREFIX): bucket.get(key) for key in bucket.key_names()}


def shards_of(bucket: S3Bucket) -> set[str]:
    return {name for name in objects(bucket) if "/" in name}


def root(bucket: S3Bucket) -> dict[str, Any]:
    data = json.loads(bucket.get(PREFIX + "sync.json"))
    assert isinstance(data, dict)
    return data


def changed(state: SyncState, i: int, origin: str = "adopted") -> SyncState:
    return with_product(state, replace(products_of(state)[pid(i)], origin=origin))


def writes(proxy: FaultProxy, start: int = 0) -> list[tuple[str, str]]:
    """The PUTs and DELETEs cjrec sent since ``start``: (method, name under the prefix)."""
    return [
        (method, path.split("?", 1)[0].split(PREFIX, 1)[1])
        for method, path, _ in proxy.seen[start:]
        if method in ("PUT", "DELETE") and PREFIX in path
    ]


def test_the_objects_are_the_folders_files_byte_for_byte_and_load_back(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    state = catalogue(120)
    written = open_store(s3_bucket).write(state, previous=None)
    LocalStateStore(tmp_path).write(state, previous=None)
    on_disk = {name: (tmp_path / name).read_bytes() for name in [*shard_files(tmp_path), "sync.json"]}
    assert objects(s3_bucket) == on_disk
    assert root(s3_bucket)["format_version"] == TREE_FORMAT
    assert set(root(s3_bucket)["shards"]) == shards_of(s3_bucket)
    assert open_store(s3_bucket).load() == written


def test_the_root_is_put_after_every_shard_it_names_and_conditionally(s3_bucket: S3Bucket, proxy: FaultProxy) -> None:
    open_store(s3_bucket).write(catalogue(40), previous=None)
    sent = writes(proxy)
    assert sent[-1] == ("PUT", "sync.json")
    assert {name for method, name in sent[:-1]} == set(root(s3_bucket)["shards"])


def test_one_change_puts_one_shard_and_the_root_and_a_no_op_puts_nothing(
    s3_bucket: S3Bucket, proxy: FaultProxy
) -> None:
    first = open_store(s3_bucket).write(catalogue(200), previous=None)
    store = open_store(s3_bucket)
    loaded = store.load()
    assert loaded == first
    start = len(proxy.seen)
    assert store.write(loaded, previous=loaded) is loaded
    assert writes(proxy, start) == []

    second = store.write(changed(loaded, 7), previous=loaded)
    sent = writes(proxy, start)
    assert [method for method, _ in sent] == ["PUT", "PUT", "PUT"]  # the backup copy, one shard, the root
    assert sent[0] == ("PUT", "sync.json.backup") and sent[2] == ("PUT", "sync.json")
    assert sent[1][1].startswith("products/")
    assert second.serial == 2 and open_store(s3_bucket).load() == second


def test_shards_nothing_names_are_deleted_only_after_the_root_that_drops_them(
    s3_bucket: S3Bucket, proxy: FaultProxy
) -> None:
    first = open_store(s3_bucket).write(catalogue(30), previous=None)
    run = open_store(s3_bucket)
    loaded = run.load()
    assert loaded is not None
    backup_shards = set(root(s3_bucket)["shards"])
    one = run.write(changed(loaded, 3), previous=loaded)
    middle = set(root(s3_bucket)["shards"])
    start = len(proxy.seen)
    two = run.write(changed(one, 3, origin="added"), previous=one)  # back to the first run's shard
    sent = writes(proxy, start)
    dropped = middle - set(root(s3_bucket)["shards"]) - backup_shards
    assert len(dropped) == 1  # the shard only the middle checkpoint named
    assert sent[-1] == ("DELETE", next(iter(dropped)))
    assert sent.index(("PUT", "sync.json")) < sent.index(("DELETE", next(iter(dropped))))
    assert shards_of(s3_bucket) == set(root(s3_bucket)["shards"]) | backup_shards
    assert open_store(s3_bucket).load() == two

    s3_bucket.put(PREFIX + "products/abc-0000000000000000.json", b"{}\n")  # what a killed run left
    later = open_store(s3_bucket)
    state = later.load()
    assert state == two and first.lineage == two.lineage
    start = len(proxy.seen)
    later.write(changed(state, 11), previous=state)
    sent = writes(proxy, start)
    stray = ("DELETE", "products/abc-0000000000000000.json")
    assert stray in sent and sent.index(("PUT", "sync.json")) < sent.index(stray)
    named = set(root(s3_bucket)["shards"]) | set(json.loads(s3_bucket.get(PREFIX + "sync.json.backup"))["shards"])
    assert shards_of(s3_bucket) == named  # the first run's backup shards went with the stray


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_a_shard_object_that_does_not_match_the_root_is_an_error_naming_it(s3_bucket: S3Bucket, damage: str) -> None:
    open_store(s3_bucket).write(catalogue(20), previous=None)
    name = sorted(n for n in shards_of(s3_bucket) if n.startswith("products/"))[0]
    if damage == "edit":
        s3_bucket.put(PREFIX + name, s3_bucket.get(PREFIX + name).replace(b'"added"', b'"adopted"'))
    else:
        s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=PREFIX + name)
    with pytest.raises(StateError) as refused:
        open_store(s3_bucket).load()
    assert f"s3://{s3_bucket.name}/{PREFIX}{name}" in refused.value.message
    assert "sync.json.backup" in (refused.value.hint or "")


def test_a_format_1_object_is_migrated_by_the_first_write_and_kept_as_the_backup(s3_bucket: S3Bucket) -> None:
    s3_bucket.put(PREFIX + "sync.json", FIXTURE.read_bytes())
    store = open_store(s3_bucket)
    old = store.load()
    assert old is not None and old == parse_state(FIXTURE.read_bytes(), "x", "x")
    assert store.write(old, previous=old) is old
    assert s3_bucket.get(PREFIX + "sync.json") == FIXTURE.read_bytes()  # nothing new: still format 1

    grown = with_product(old, ProductRecord(pid(1), product_url(pid(1), "mug"), "added", None))
    written = store.write(grown, previous=old)
    assert s3_bucket.get(PREFIX + "sync.json.backup") == FIXTURE.read_bytes()
    assert root(s3_bucket)["format_version"] == TREE_FORMAT
    again = open_store(s3_bucket).load()
    assert again == written and written.serial == old.serial + 1
    assert state_codec.content(again) == state_codec.content(grown)


def test_a_folder_state_moves_to_a_bucket_and_back_as_the_same_tree(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "sync.json")
    folder = LocalStateStore(tmp_path)
    old = folder.load()
    assert old is not None
    local = folder.write(
        with_product(old, ProductRecord(pid(2), product_url(pid(2), "mug"), "added", None)), previous=old
    )
    pushed = open_store(s3_bucket).write(local, previous=None)
    assert pushed.serial == local.serial
    assert s3_bucket.get(PREFIX + "sync.json") == (tmp_path / "sync.json").read_bytes()
    back = LocalStateStore(tmp_path / "back")
    back.write(open_store(s3_bucket).load() or old, previous=None)
    assert shard_files(tmp_path / "back") == sorted(root(s3_bucket)["shards"])
    assert (tmp_path / "back" / "sync.json").read_bytes() == (tmp_path / "sync.json").read_bytes()


def test_the_backup_root_only_names_shards_that_exist(s3_bucket: S3Bucket) -> None:
    """Whatever the run: its first write ever, or later ones, the backup can be restored."""
    first_run = open_store(s3_bucket)
    assert first_run.load() is None
    state = first_run.write(catalogue(30), previous=None)  # the first write ever: no backup yet
    for i in (3, 4, 5):
        state = first_run.write(changed(state, i), previous=state)
        backup = json.loads(s3_bucket.get(PREFIX + "sync.json.backup"))
        assert set(backup["shards"]) <= shards_of(s3_bucket), "the backup names a deleted shard"
    second_run = open_store(s3_bucket)
    state = second_run.load() or state
    for i in (6, 7):
        state = second_run.write(changed(state, i), previous=state)
        backup = json.loads(s3_bucket.get(PREFIX + "sync.json.backup"))
        assert set(backup["shards"]) <= shards_of(s3_bucket), "the backup names a deleted shard"
