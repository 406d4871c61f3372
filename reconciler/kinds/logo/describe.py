"""How logos read in plans and in ``cjrec state list|show``: ``png 64x64 …, sha256 1a2b…, https://… (default)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.logo.record import SECTIONS
from reconciler.kinds.wording import Description, short
from reconciler.safe_text import for_terminal


def summarise_logo(record: Mapping[str, Any] | None) -> str:
    """``png 64x64, sha256 1a2b3c4d…, https://… (default)``."""
    if not record:
        return ""
    parts = []
    if record.get("file"):
        size = f" {record['width']}x{record['height']}" if record.get("width") else ""
        parts.append(f"{record.get('format') or 'image'}{size} {record['file']}")
        if record.get("sha256"):
            parts.append(f"sha256 {str(record['sha256'])[:12]}…")
    url = record.get("url") or record.get("public_url")
    parts.append(short(url) or "no public URL")
    text = for_terminal(", ".join(parts), limit=None)
    return text + (" (default)" if record.get("default") else "")


class LogoDescription(Description):
    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        return summarise_logo(record)


def description(kind: str) -> LogoDescription:
    return LogoDescription(kind, SECTIONS)
