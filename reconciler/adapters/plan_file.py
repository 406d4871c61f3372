"""Saved plans on disk: ``cjrec plan --out FILE`` writes one, ``cjrec apply FILE`` reads it back.

Called by ``cli/plan_commands.py``. A plan is written as indented JSON, atomically and
without a backup (it is cheap to make again). Reading refuses, with the command to run
instead, a file that is missing, is no JSON, has another ``format_version``, or whose
checksum does not match its content (edited or damaged). Whether a sound plan is still
fresh against the state and the manifests is the CLI's check, not this module's.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.adapters.atomic_file import write_atomic
from reconciler.errors import StateError, UsageError
from reconciler.models.plan import FORMAT_VERSION, Plan, checksum


def save_plan(path: Path, plan: Plan) -> None:
    """Write ``plan`` (with its checksum) to ``path``, replacing what was there."""
    write_atomic(path, (json.dumps(plan.to_dict(), indent=2) + "\n").encode(), mode=0o644, keep_backup=False)


def load_saved_plan(path: Path) -> Plan:
    """Read a saved plan; refuse one that is damaged or was edited."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such plan file", hint="make one with `cjrec plan --out FILE`") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StateError(
            f"{path}: not a cjrec plan (cannot parse it: {str(exc)[:80]})", hint="run `cjrec plan --out FILE` again"
        ) from None
    if not isinstance(data, dict) or "checksum" not in data:
        raise StateError(f"{path}: not a cjrec plan (no checksum)", hint="run `cjrec plan --out FILE` again")
    if data.get("format_version") != FORMAT_VERSION:
        raise StateError(
            f"{path}: plan format_version {data.get('format_version')!r} is not {FORMAT_VERSION}",
            hint="plan again with this cjrec",
        )
    claimed = data.pop("checksum")
    if checksum(data) != claimed:
        raise StateError(
            f"{path}: the saved plan was edited or damaged (checksum mismatch)",
            hint="run `cjrec plan --out FILE` again",
        )
    try:
        return Plan.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(
            f"{path}: the saved plan is malformed ({str(exc)[:80]})", hint="run `cjrec plan --out FILE` again"
        ) from None
