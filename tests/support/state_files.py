"""Reading a state folder in tests, whatever its format, and the small catalogues the state tests write.

Since state format 2 (``reconciler/adapters/state_tree.py``) ``sync.json`` is a root naming
shard files; tests that look at the records read them through the store, here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.adapters.state_store import LocalStateStore
from reconciler.kinds import state_codec
from reconciler.kinds.product.record import ProductRecord, with_product
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState

LINEAGE = "6f1f5f7e-0b7e-4c55-9d59-2d2c1e0b0a11"


def pid(i: int) -> str:
    """The i-th product id of a test catalogue (19 digits)."""
    return f"17000000000{i:08d}"


def catalogue(count: int, *, serial: int = 0, changed: int | None = None) -> SyncState:
    """A state of ``count`` added products (no snapshots), lineage ``LINEAGE``; product ``changed`` is adopted."""
    state = SyncState(lineage=LINEAGE, serial=serial)
    for i in range(count):
        origin = "adopted" if i == changed else "added"
        state = with_product(state, ProductRecord(pid(i), product_url(pid(i), "mug"), origin, None))
    return state


def state_document(folder: Path) -> dict[str, Any]:
    """The state in ``folder`` as one document (envelope and sections), read and checked by the store."""
    state = LocalStateStore(folder).load()
    assert state is not None, f"no state in {folder}"
    return json.loads(json.dumps(state_codec.encode(state)))


def bucket_state_document(url: str) -> dict[str, Any]:
    """The state at ``s3://BUCKET/PREFIX`` as one document, read and checked by the S3 store (the test's AWS environment)."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.s3_state import S3StateStore
    from reconciler.models.state_location import parse_s3_url

    state = S3StateStore(parse_s3_url(url), clock=SystemClock()).load()
    assert state is not None, f"no state at {url}"
    return json.loads(json.dumps(state_codec.encode(state)))


def root_document(folder: Path) -> dict[str, Any]:
    """The root file ``sync.json`` as it is on disk."""
    data = json.loads((folder / "sync.json").read_text())
    assert isinstance(data, dict)
    return data


def shard_files(folder: Path) -> list[str]:
    """Every shard file under ``folder``, relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.glob("*/*.json"))
