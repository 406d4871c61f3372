"""Compare a rendering with its golden file under ``tests/render/golden/``.

Golden files are the reviewed, exact output of a renderer for one representative plan; a
test fails on any difference and shows it. When a rendering changes on purpose, rewrite
them and review the diff in git::

    CJREC_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/render

With ``CJREC_UPDATE_GOLDEN=1`` every golden test writes its file (creating it if missing)
instead of comparing, and passes.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
UPDATE_VARIABLE = "CJREC_UPDATE_GOLDEN"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get(UPDATE_VARIABLE) == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing; create it with {UPDATE_VARIABLE}=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file; if intended, rerun with {UPDATE_VARIABLE}=1"
