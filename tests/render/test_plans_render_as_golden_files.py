"""The text and Markdown renderings of representative plans match their golden files.

See ``tests/render/golden_files.py``: ``CJREC_UPDATE_GOLDEN=1`` rewrites the files.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reconciler.models.plan import Plan
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_plan
from tests.render import plans
from tests.render.golden_files import assert_golden

PLANS: dict[str, Callable[[], Plan]] = {
    "no_changes": plans.no_changes,
    "mixed": plans.mixed,
    "offline": plans.offline,
    "sourcing_and_markets": plans.sourcing_and_markets,
    "priced": plans.priced,
}


@pytest.mark.parametrize("name", PLANS)
def test_text_rendering_matches_golden(name: str) -> None:
    assert_golden(f"{name}.txt", render_plan(PLANS[name]()))


@pytest.mark.parametrize("name", PLANS)
def test_markdown_rendering_matches_golden(name: str) -> None:
    assert_golden(f"{name}.md", render_markdown(PLANS[name]()))


def test_the_mixed_plan_really_has_every_action_and_warning() -> None:
    """Guards the golden files' coverage: if the fixture stops producing something, say so."""
    plan = plans.mixed()
    actions = {(c.kind, c.action.value) for c in plan.changes}
    reasons = {c.reason for c in plan.changes if c.action.value == "update"}

    assert actions == {
        ("logo", "create"),
        ("logo", "update"),
        ("logo", "forget"),
        ("product", "create"),
        ("product", "adopt"),
        ("product", "update"),
        ("product", "re-add"),
        ("product", "forget"),
    }
    assert {"drifted remotely", "URL changed", "logo changed"} <= reasons
    assert plan.drift
    assert len(plan.unmanaged) == 2
    assert len(plan.warnings) == 4
