"""Writing to the terminal: colour when it helps, none under NO_COLOR or when piped.

Every message of the CLI goes through one Console, so that the rule "no colour when
piped or under NO_COLOR" and the error format live in one place. So does the last line of
defence against outside text: every message is passed through
:func:`reconciler.safe_text.for_terminal` (lines kept) before it is styled, so no control
character, escape sequence or bidirectional override from CJ reaches the terminal or the
CI log even where a caller forgot to make its values safe.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from reconciler.errors import CjrecError
from reconciler.safe_text import for_terminal


def colour_wanted(stream: TextIO, *, no_color_flag: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (any value) or --no-color given."""
    if no_color_flag or os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_ROLES: dict[str, dict[str, object]] = {
    "create": {"fg": "green"},
    "adopt": {"fg": "cyan"},
    "update": {"fg": "yellow"},
    "readd": {"fg": "magenta"},
    "forget": {"fg": "red"},
    "warning": {"fg": "yellow", "bold": True},
    "heading": {"bold": True},
    "dim": {"dim": True},
    "ok": {"fg": "green"},
    "note": {"fg": "cyan"},
}


class Console:
    """Formats and prints results, warnings and errors."""

    def __init__(self, *, color: bool | None = None) -> None:
        self.color = colour_wanted(sys.stdout, no_color_flag=False) if color is None else color

    def _style(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self.color else text  # type: ignore[arg-type]

    def role_style(self, text: str, role: str) -> str:
        """Style for a plan element by its role (create, forget, warning…)."""
        style = _ROLES.get(role)
        return click.style(text, **style) if self.color and style else text  # type: ignore[arg-type]

    def out(self, text: str = "") -> None:
        """A line of normal output (stdout)."""
        click.echo(_safe(text), color=self.color)

    def success(self, text: str) -> None:
        """A line saying something went well."""
        click.echo(self._style(_safe(text), fg="green"), color=self.color)

    def warning(self, text: str) -> None:
        """A warning (stderr)."""
        click.echo(self._style("Warning: ", fg="yellow", bold=True) + _safe(text), err=True, color=self.color)

    def note(self, text: str) -> None:
        """A note (stderr): something the user should know, not a problem."""
        click.echo(self._style("Note: ", fg="cyan") + _safe(text), err=True, color=self.color)

    def error(self, error: CjrecError) -> None:
        """An error with its hint (stderr)."""
        click.echo(self._style("Error: ", fg="red", bold=True) + _safe(error.message), err=True, color=self.color)
        if error.hint:
            click.echo(self._style("Hint: ", fg="cyan") + _safe(error.hint), err=True, color=self.color)


def _safe(text: str) -> str:
    """A message as the terminal may show it: its lines kept, nothing a terminal would act on."""
    return for_terminal(text, limit=None, keep_newlines=True)
