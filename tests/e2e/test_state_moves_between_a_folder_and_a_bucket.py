"""``cjrec state push s3://…`` and ``cjrec state pull``: moving the state between a folder and a bucket.

The state arrives byte for byte (same lineage, same serial), the token cache goes with it,
and runs against the new place carry on where the old left off. A destination holding
another lineage, or a newer state, is refused without ``--force`` and left untouched.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.models.state import SyncState
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.state_files import shard_files


def test_push_to_a_bucket_then_runs_there_carry_on_and_pull_brings_it_back(cjw: CjWorkspace, s3_bucket: Any) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    local = (cjw.root / "state" / "sync.json").read_bytes()  # a format-2 root, its records in shards
    local_state = LocalStateStore(cjw.root / "state").load()
    assert local_state is not None

    pushed = cjw.run("state", "push", s3_bucket.url("prod"))
    assert pushed.exit_code == 0, pushed.output
    assert f"to s3://{s3_bucket.name}/prod/sync.json with the token cache" in pushed.stdout
    assert s3_bucket.get("prod/sync.json") == local  # the same root: the whole tree moved
    for name in shard_files(cjw.root / "state"):  # and every shard it names, byte for byte
        assert s3_bucket.get(f"prod/{name}") == (cjw.root / "state" / name).read_bytes()
    assert s3_bucket.get("prod/token.sops.json") == (cjw.root / "state" / "token.sops.json").read_bytes()

    on_s3 = cjw.cli(
        "plan",
        "--detailed-exitcode",
        env={"CJREC_API_URL": cjw.sandbox.base_url, "CJREC_STATE_DIR": s3_bucket.url("prod")},
    )
    assert on_s3.exit_code == 0, on_s3.output  # converged, and the token cache was reused
    assert [str(c["path"]).rsplit("/", 1)[-1] for c in cjw.auth_calls()].count("getAccessToken") == 1
    cjw.monkeypatch.delenv("CJREC_STATE_DIR")

    pulled = cjw.run("state", "pull", s3_bucket.url("prod"), "--to", "elsewhere")
    assert pulled.exit_code == 0, pulled.output
    assert (cjw.root / "elsewhere" / "sync.json").read_bytes() == local  # the same root: the whole tree moved
    assert shard_files(cjw.root / "elsewhere") == shard_files(cjw.root / "state")
    again = cjw.run("state", "push", s3_bucket.url("prod"))
    assert again.exit_code == 0 and "already holds this state" in again.stdout


def test_a_bucket_holding_another_lineage_or_a_newer_state_is_left_alone_without_force(
    cjw: CjWorkspace, s3_bucket: Any
) -> None:
    cjw.products(on_sale(cjw.sandbox, 2))
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    ours = LocalStateStore(cjw.root / "state").load()
    assert ours is not None
    foreign = render_state(SyncState(lineage="5b0c1e53-9a47-4a53-a1b4-6fb0d1e1a001", serial=7))
    s3_bucket.put("prod/sync.json", foreign)

    refused = cjw.run("state", "push", s3_bucket.url("prod"))
    assert refused.exit_code == 1
    assert "holds another state (lineage 5b0c1e53-9a47-4a53-a1b4-6fb0d1e1a001, serial 7)" in refused.stderr
    assert "--force" in refused.stderr
    assert s3_bucket.get("prod/sync.json") == foreign
    assert "prod/cjrec.lock" not in s3_bucket.key_names()

    newer = json.loads(render_state(ours))
    newer["serial"] = ours.serial + 5
    s3_bucket.put("prod/sync.json", json.dumps(newer).encode())
    stale = cjw.run("state", "push", s3_bucket.url("prod"))
    assert stale.exit_code == 1 and "is newer (serial" in stale.stderr

    forced = cjw.run("state", "push", s3_bucket.url("prod"), "--force")
    assert forced.exit_code == 0, forced.output
    assert json.loads(s3_bucket.get("prod/sync.json"))["lineage"] == ours.lineage


def test_pull_into_a_folder_with_another_lineage_is_refused(cjw: CjWorkspace, s3_bucket: Any) -> None:
    cjw.products(on_sale(cjw.sandbox, 1))
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    before = (cjw.root / "state" / "sync.json").read_bytes()
    s3_bucket.put("prod/sync.json", render_state(SyncState(lineage="5b0c1e53-9a47-4a53-a1b4-6fb0d1e1a002", serial=1)))
    refused = cjw.run("state", "pull", s3_bucket.url("prod"))
    assert refused.exit_code == 1 and "holds another state" in refused.stderr
    assert (cjw.root / "state" / "sync.json").read_bytes() == before
