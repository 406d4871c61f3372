"""Apply logo changes: record them, and upload the file of a logo hosted in the logo store first.

The executor for ``logo.<name>`` (contract in ``kinds/executing.py``). A logo is synced
by recording its image's facts and where CJ fetches it. A `file:` logo without
``publicUrl`` whose Settings name a ``logoStore`` is published there as
``PREFIX<sha256>.<ext>`` before it is recorded (``Change.upload``), so the products that
print it are added only once CJ can fetch it. The store is asked first whether the object
is already there, so a file is uploaded once however many runs, branches or repositories
use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from reconciler.errors import CjrecError
from reconciler.kinds.executing import Run
from reconciler.kinds.logo.record import LogoRecord, with_logo, without_logo
from reconciler.models.desired import IMAGE_CONTENT_TYPES
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class LogoUploader(Protocol):
    """Publishes a logo file in the logo store."""

    def upload(self, source: Path, target: str, *, content_type: str, sha256: str) -> bool:
        """Put ``source`` at ``target`` (s3://…) unless it is there already; True when it was uploaded now."""
        ...


class LogoExecutor:
    """Records logo changes; uploads the hosted ones first."""

    kind = "logo"

    def __init__(self, uploader: LogoUploader | None = None) -> None:
        self.uploader = uploader
        self.uploaded: list[str] = []  # the targets actually written this run

    def record(self, state: SyncState, change: Change) -> SyncState:
        if change.action is Action.FORGET:
            return without_logo(state, change.name)
        if change.after is None:
            raise ValueError(f"{change.address}: a {change.action.value} change needs an `after` record")
        return with_logo(state, LogoRecord.from_dict(change.name, change.after))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        for change in changes:
            target = change.upload
            if target is None:
                raise ValueError(f"{change.address}: a logo change calls nothing unless it uploads")
            if run.stop.is_set():
                return
            run.begin(change)
            try:
                self._upload(change, target)
            except CjrecError as exc:
                run.failed(change, exc)
                continue
            run.save(lambda state, change=change: self.record(state, change))  # type: ignore[misc]
            run.succeeded(change)

    def _upload(self, change: Change, target: str) -> None:
        after = change.after or {}
        if self.uploader is None:
            raise CjrecError(
                f"{change.address}: this plan uploads the logo to {target}, but no logo store is configured",
                hint="apply with the Settings (spec.logoStore) the plan was made with",
            )
        fmt, sha256, file = after.get("format"), after.get("sha256"), after.get("file")
        content_type = IMAGE_CONTENT_TYPES.get(str(fmt))
        if content_type is None or not sha256 or not file:
            raise CjrecError(f"{change.address}: the plan's logo record lacks its file, format or sha256")
        if self.uploader.upload(Path(str(file)), target, content_type=content_type, sha256=str(sha256)):
            self.uploaded.append(target)
