"""Reading a state folder in tests, whatever its format: the records as one format-1 style document.

Since state format 2 (``reconciler/adapters/state_tree.py``) ``sync.json`` is a root naming
shard files; tests that look at the records read them through the store, here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.adapters.state_store import LocalStateStore
from reconciler.kinds import state_codec


def state_document(folder: Path) -> dict[str, Any]:
    """The state in ``folder`` as one document (envelope and sections), read and checked by the store."""
    state = LocalStateStore(folder).load()
    assert state is not None, f"no state in {folder}"
    return json.loads(json.dumps(state_codec.encode(state)))


def root_document(folder: Path) -> dict[str, Any]:
    """The root file ``sync.json`` as it is on disk."""
    data = json.loads((folder / "sync.json").read_text())
    assert isinstance(data, dict)
    return data


def shard_files(folder: Path) -> list[str]:
    """Every shard file under ``folder``, relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.glob("*/*.json"))
