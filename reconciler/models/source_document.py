"""One YAML document as read from a manifest file, with the line of every field.

Produced by the YAML loader adapter, consumed by the pure manifest validator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDocument:
    """One YAML document of one file: its data and the line of every field path."""

    file: Path
    display: str
    index: int
    data: Any
    lines: dict[FieldPath, int] = field(repr=False)

    def line_of(self, path: FieldPath) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def field_label(path: FieldPath) -> str:
    """``spec.items[3].productUrl`` for ``("spec", "items", 3, "productUrl")``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def iter_strings(data: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every string value in ``data`` with its field path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from iter_strings(value, (*path, i))
    elif isinstance(data, str):
        yield path, data
