"""``python -m tests.figures``: the doc quotes a passing run only, with the command it ran, and the soak's own numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import figures

DOC = f"""# Reliability

{figures.START}
old figures
{figures.END}

## Crash safety

{figures.SOAK_START}
old soak paragraph
{figures.SOAK_END}
"""

WHOLE_RUN = dict.fromkeys(figures.REQUIRED, 3) | {"secrets_found": 0}
SOAK_RUN = {"soak_runs": 2, "soak_kill_moments": 120, "soak_products": 400, "soak_crashes_survived": 118}
SOAK_RUN |= {"soak_adds_adopted_after_kill": 41, "secret_scan_outputs_scanned": 9}


@pytest.fixture
def doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(figures, "REPORT", tmp_path / "build" / "reliability-figures.json")
    monkeypatch.setattr(figures, "SOAK_REPORT", tmp_path / "build" / "soak-figures.json")
    monkeypatch.setattr(figures, "DOC", tmp_path / "RELIABILITY.md")
    figures.DOC.write_text(DOC)
    return figures.DOC


def test_a_passing_whole_run_goes_in_with_the_command_line_it_ran(doc: Path) -> None:
    command = figures.pytest_command(["-q", "-n", "2", "-m", "not soak"])
    written = figures.write_report(WHOLE_RUN, exit_status=0, duration_s=250.04, command=command)
    assert written == figures.REPORT
    assert figures.main([]) == 0
    text = doc.read_text()
    assert "old figures" not in text and "old soak paragraph" in text
    assert "`pytest -q -n 2 -m 'not soak'`, whole suite 250.0 s, exit status 0." in text
    assert f"| {figures.LABELS['crashes_survived']} | 3 |" in text


def test_a_failing_run_is_refused_even_with_force(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures.write_report(WHOLE_RUN, exit_status=1, duration_s=10.0, command="pytest")
    assert figures.main(["--force"]) == 1
    assert "failed (exit status 1)" in capsys.readouterr().err
    assert doc.read_text() == DOC


def test_a_run_of_part_of_the_suite_needs_force(doc: Path) -> None:
    figures.write_report({"crashes_survived": 20}, exit_status=0, duration_s=80.0, command="pytest tests/reliability")
    assert json.loads(figures.REPORT.read_text())["complete"] is False
    assert figures.main([]) == 1
    assert doc.read_text() == DOC
    assert figures.main(["--force"]) == 0
    assert "`pytest tests/reliability`" in doc.read_text()


def test_the_soak_paragraph_is_written_from_the_soaks_own_report(doc: Path) -> None:
    written = figures.write_report(SOAK_RUN, exit_status=0, duration_s=373.2, command="pytest -q -m soak")
    assert written == figures.SOAK_REPORT and not figures.REPORT.exists()
    assert figures.main([]) == 0
    text = doc.read_text()
    assert "old soak paragraph" not in text and "old figures" in text
    paragraph = text.split(figures.SOAK_START)[1].split(figures.SOAK_END)[0]
    assert "60 random kill moments over an apply of 200 products, for 2 seeds" in paragraph
    assert "`pytest -q -m soak`) took 6 min 13 s, exit status 0, and survived 118 kills" in paragraph
    assert "41 products had been added by CJ but not yet recorded" in paragraph
