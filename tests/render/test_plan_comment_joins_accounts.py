"""Many accounts' plans as one pull-request comment (render/plan_comment.py).

The comment carries the hidden marker once (the CI step finds and updates it by that), a
table, and a section per account that can be read back from the files separate matrix jobs
write, then put together again unchanged. Too long a whole keeps every account's summary
and closes every fence and ``<details>``; a hostile failure reason stays text.
"""

from __future__ import annotations

import re

from reconciler.render.markdown import LIMIT, MARKER, render_markdown
from reconciler.render.plan_comment import AccountSection, combined_comment, read_sections, section_of
from tests.render import plans
from tests.render.test_markdown_fits_a_comment import assert_well_formed
from tests.support.hostile_text import FENCE_BREAKER, markdown_syntax

# cjrec's own HTML and headings in a comment
ALLOWED_HTML = re.compile(
    r"<!-- cjrec-(plan|account .*|/cjrec-account) -->|<!-- /cjrec-account -->|</?details( open)?>|<summary>.*</summary>|</summary>"
)


def _sections() -> list[AccountSection]:
    return [
        section_of("south", 2, "1 to create", render_markdown(plans.mixed())),
        section_of("north", 0, "no changes", render_markdown(plans.many_creates(0))),
    ]


def test_one_marker_a_table_and_a_section_per_account_in_name_order() -> None:
    comment = combined_comment(_sections())
    assert comment.startswith(MARKER) and comment.count(MARKER) == 1
    assert "| `north` | 0 | no changes |" in comment and "| `south` | 2 | 1 to create |" in comment
    assert comment.index("## Account `north`") < comment.index("## Account `south`")
    assert "### cjrec plan\n" not in comment  # each plan's own title gives way to the account's heading
    assert_well_formed(comment)


def test_sections_read_back_from_the_jobs_files_make_the_same_comment() -> None:
    north, south = sorted(_sections(), key=lambda s: s.name)
    files = [combined_comment([north]), combined_comment([south])]  # what two matrix jobs upload
    joined = combined_comment([section for text in files for section in read_sections(text)])
    assert joined == combined_comment([north, south])


def test_an_account_without_a_file_is_listed_as_missing_and_counted_failed() -> None:
    comment = combined_comment(_sections()[:1], missing=["north", "south"])
    assert "| `north` | – | no plan: its plan job wrote none (see the job's log) |" in comment
    assert "**1 with changes, 1 failed.**" in comment


def test_too_long_a_comment_keeps_each_accounts_summary_and_closes_every_block() -> None:
    big = [section_of(f"a{i}", 2, "5000 to create", render_markdown(plans.many_creates(5000))) for i in range(3)]
    comment = combined_comment(big)
    assert len(comment) <= LIMIT
    assert comment.count("**5000 changes.**") == 3
    assert comment.count("shortened to fit one comment") >= 2
    assert_well_formed(comment)


def test_a_hostile_failure_reason_stays_text_in_the_table_the_section_and_the_marker() -> None:
    failed = AccountSection("north", 1, f"failed: {FENCE_BREAKER} -->", "")
    comment = combined_comment([failed])
    assert (
        markdown_syntax(
            comment, allowed_html=ALLOWED_HTML, allowed_headings={"cjrec plan: 1 account", "Account `north`"}
        )
        == []
    )
    (back,) = read_sections(comment)
    assert back.name == "north" and back.code == 1 and back.result == failed.result
