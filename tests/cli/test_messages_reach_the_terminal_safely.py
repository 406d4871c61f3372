"""The Console and apply's progress lines are the last line of defence: nothing from CJ acts on the terminal.

Every other layer already makes CJ's text safe; these tests give the Console and the
progress hooks raw hostile text, as a caller that forgot to would.
"""

from __future__ import annotations

import io

import click.utils
import pytest

from reconciler.cli.console import Console
from reconciler.cli.progress import ProgressHooks
from reconciler.errors import CjrecError
from reconciler.models.plan import Action, Change
from tests.support.hostile_text import HOSTILE, TERMINAL_FAKER, terminal_unsafe


@pytest.fixture(autouse=True)
def terminal_sees_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """click removes colour codes when not writing to a terminal; a terminal gets them all."""
    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda *_args, **_kwargs: False)


@pytest.mark.parametrize("text", HOSTILE)
def test_every_console_message_is_terminal_safe_and_keeps_its_own_lines(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    console = Console(color=False)
    console.out(f"first line\n{text}")
    console.warning(text)
    console.note(text)
    console.success(text)
    console.error(CjrecError(f"CJ said: {text}", hint=f"hint {text}"))
    captured = capsys.readouterr()

    assert terminal_unsafe(captured.out + captured.err) == []
    assert captured.out.startswith("first line\n")


def test_a_carriage_return_cannot_rewrite_the_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    Console(color=False).error(CjrecError(TERMINAL_FAKER))
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.startswith("Error: Cup FAKE: Apply complete, 0 changes")


def test_colour_still_works_around_safe_text(capsys: pytest.CaptureFixture[str]) -> None:
    Console(color=True).warning("\x1b[31mred from CJ")
    err = capsys.readouterr().err
    assert err == "\x1b[33m\x1b[1mWarning: \x1b[0mred from CJ\n"  # cjrec's own style, not CJ's


def test_a_failed_change_is_one_safe_progress_line() -> None:
    stream = io.StringIO()
    hooks = ProgressHooks(stream=stream, interactive=False)
    hooks.started(1)
    change = Change("product.1700000000000000001", Action.CREATE, None, {})
    hooks.change_done(change, CjrecError(f"CJ answered with an error: {TERMINAL_FAKER}\n::error::owned"))

    lines = stream.getvalue().splitlines()
    assert terminal_unsafe(stream.getvalue()) == []
    assert lines[0].startswith("failed: product.1700000000000000001: CJ answered with an error: Cup FAKE")
    assert not any(line.startswith("::") for line in lines)
