"""The Markdown plan fits a pull-request comment: under 60,000 characters, cut cleanly with a note.

A cut must never leave a ``` code fence or a ``<details>`` open: everything after an open
fence would render as code, including the note saying the plan was cut.
"""

from __future__ import annotations

import pytest

from reconciler.render.markdown import LIMIT, MARKER, render_markdown
from tests.render import plans

CUT = "The plan was cut to fit a comment"


def assert_well_formed(markdown: str) -> None:
    fences = [line for line in markdown.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0, "a code fence is left open"
    assert markdown.count("<details") == markdown.count("</details>"), "a <details> is left open"


def test_five_thousand_changes_stay_under_the_limit_and_say_they_were_cut() -> None:
    markdown = render_markdown(plans.many_creates(5000))

    assert len(markdown) < 60_000
    assert LIMIT <= 60_000
    assert markdown.startswith(MARKER)
    assert "**5000 changes.**" in markdown
    assert CUT in markdown
    assert markdown.rstrip().endswith("for all of it._")
    assert_well_formed(markdown)


def test_a_plan_that_fits_is_not_cut() -> None:
    markdown = render_markdown(plans.mixed())

    assert CUT not in markdown
    assert_well_formed(markdown)


def test_a_cut_anywhere_keeps_the_markdown_well_formed() -> None:
    """Every cut point of the mixed plan: inside the code fence, the drift table, the lists."""
    whole = render_markdown(plans.mixed())
    for limit in range(550, len(whole) + 40, 23):  # from just above the head (never cut)
        markdown = render_markdown(plans.mixed(), limit=limit)
        assert len(markdown) <= limit
        assert_well_formed(markdown)
        assert (CUT in markdown) is (markdown != whole)
    assert render_markdown(plans.mixed(), limit=len(whole)) == whole


@pytest.mark.parametrize("count", [1, 300, 2000])
def test_the_changes_fence_is_closed_whatever_the_size(count: int) -> None:
    assert_well_formed(render_markdown(plans.many_creates(count)))


def test_no_changes_says_so() -> None:
    assert "**No changes.**" in render_markdown(plans.no_changes())
