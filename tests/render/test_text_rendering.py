"""The human plan: plain by default (no ANSI escapes), styled only through the function passed in."""

from __future__ import annotations

from reconciler.models.plan import Action, Change, Plan
from reconciler.render.describe import field_diff, show
from reconciler.render.text import MAX_UNMANAGED_SHOWN, render_plan
from tests.render import plans
from tests.support.plan_builders import desired, detail, observed, pid, plan, record


def test_the_default_style_has_no_ansi_escape_codes() -> None:
    for made in (plans.mixed(), plans.offline(), plans.no_changes()):
        text = render_plan(made)
        assert "\x1b" not in text
        assert text.endswith("\n")


def test_styling_goes_through_the_style_function_with_roles() -> None:
    roles: set[str] = set()

    def style(text: str, role: str) -> str:
        roles.add(role)
        return f"<{role}>{text}</{role}>"

    text = render_plan(plans.mixed(), style=style)

    assert {"create", "adopt", "update", "readd", "forget", "dim", "heading", "warning"} <= roles
    assert "<forget> -</forget> logo.retired" in text


def test_an_update_shows_each_changed_field_before_and_after() -> None:
    p1 = pid(1)
    before = record(p1, seen=detail(p1, prices=["1.00"])).to_dict()
    after = record(p1, seen=detail(p1, prices=["2.00"]), url="https://b.example", logo="brand").to_dict()
    update = Change(f"product.{p1}", Action.UPDATE, before, after, "drifted remotely, URL changed, logo changed")

    assert field_diff(update) == [
        ("logo", None, "brand"),
        (f"snapshot.variants.{p1}-1.price", "1.00", "2.00"),
        ("url", before["url"], "https://b.example"),
    ]
    text = render_plan(Plan("2026-03-01T12:00:00+00:00", "normal", None, None, "sha256:test", (update,)))
    assert f"       url: {before['url']} -> https://b.example\n" in text
    assert "       logo: (none) -> brand\n" in text
    assert f"       snapshot.variants.{p1}-1.price: 1.00 -> 2.00\n" in text


def test_only_updates_show_a_field_diff() -> None:
    text = render_plan(plans.offline())

    assert "url: https://cjdropshipping.com/product/item-p-" in text  # the update
    assert "snapshot.name" not in text  # the forget and the create show no diff


def test_long_values_are_shortened() -> None:
    assert show("x" * 200) == "x" * 79 + "…"
    assert show(None) == "(none)"
    assert show(3) == "3"


def test_a_long_unmanaged_list_is_cut_with_a_count() -> None:
    many = [pid(n) for n in range(MAX_UNMANAGED_SHOWN + 5)]
    text = render_plan(plan(desired(), None, observed(my_products=many)))

    assert f"Unmanaged (in My Products, in no manifest): {MAX_UNMANAGED_SHOWN + 5}" in text
    assert text.count("\n  ? product.") == MAX_UNMANAGED_SHOWN
    assert "… and 5 more (see --format json)" in text


def test_the_summary_line_counts_actions_calls_and_time() -> None:
    text = render_plan(plans.mixed())

    assert text.rstrip().splitlines()[-1] == (
        "Plan: 5 to create, 1 to adopt, 5 to update, 1 to re-add, 2 to forget. "
        "Apply needs 4 calls (0 points), about 2 s at 2 qps. Planning used 10 calls and 90 points."
    )
