"""Plans made from hostile CJ text render safely as text and as Markdown, cut or not.

The real planner makes the plan from hostile details and a hostile My Products listing
(names, SKUs, variant keys, and a pid that is not one); the renderers' output is then
checked with markdown-it-py and byte by byte, at every cut point of the comment limit.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from reconciler.models.cj import MyProduct, ProductDetail, Variant
from reconciler.models.plan import Finding, Plan
from reconciler.render.markdown import MARKER, render_markdown
from reconciler.render.text import render_plan
from tests.support.hostile_text import HOSTILE, markdown_syntax, terminal_unsafe, tokens
from tests.support.plan_builders import cj_said, desired, pid, plan, product, record, state

OWN_HTML = re.compile(r"<!-- cjrec-plan -->|<details( open)?><summary>[A-Za-z ()0-9]+</summary>|</details>")
BAD_PID = "1`</details>\n## @octocat"


def hostile_detail(product_id: str, n: int) -> ProductDetail:
    text = HOSTILE[n % len(HOSTILE)]
    return ProductDetail(
        pid=product_id,
        name=text,
        sku=HOSTILE[(n + 2) % len(HOSTILE)][:50],
        sell_price="9.50",
        status="3",
        customization_version=0,
        image=None,
        variants=(
            Variant(
                vid=f"{product_id}|`<b>", sku=text[:30], key=HOSTILE[(n + 1) % len(HOSTILE)], price=Decimal(1), stock=5
            ),
        ),
    )


def hostile_plan() -> Plan:
    """Creates with hostile details, drift from a benign to a hostile name, and hostile unmanaged rows."""
    new = [pid(n) for n in range(1, 7)]
    drifted = pid(20)
    recorded = state([record(drifted, seen=replace(hostile_detail(drifted, 0), name="Plain Mug"))])
    listing = {
        BAD_PID: MyProduct(BAD_PID, HOSTILE[0], HOSTILE[2], "1", None),
        pid(30): MyProduct(pid(30), HOSTILE[1], HOSTILE[9], "1", None),
        drifted: MyProduct(drifted, "x", "y", "1", None),
    }
    seen = cj_said(
        my_products=listing,
        details={p: hostile_detail(p, n) for n, p in enumerate([*new, drifted])},
        unavailable={},
        calls=1,
        points=10,
    )
    return plan(desired([product(p) for p in [*new, drifted]]), recorded, seen, mode="refresh-details")


def test_the_text_plan_has_nothing_a_terminal_acts_on() -> None:
    raw = tuple(Finding(f"product.{n}", text) for n, text in enumerate(HOSTILE))  # as a saved plan file may hold
    text = render_plan(replace(hostile_plan(), warnings=raw, unmanaged=raw))
    assert terminal_unsafe(text) == []
    assert not re.search(r"^(FAKE|ok |::|## )", text, re.MULTILINE)
    assert max(len(line) for line in text.splitlines()) < 1000  # 5,000-character names are cut


def test_the_markdown_plan_has_no_syntax_from_cj_at_any_cut() -> None:
    whole = render_markdown(hostile_plan())
    assert markdown_syntax(whole, allowed_html=OWN_HTML, allowed_headings={"cjrec plan"}) == []
    assert [t.type for t in tokens(whole)].count("fence") == 1
    assert any(t.type == "td_open" for t in tokens(whole))  # the drift table is there
    for limit in range(600, len(whole) + 50, 97):
        markdown = render_markdown(hostile_plan(), limit=limit)
        assert len(markdown) <= limit
        assert markdown.startswith(MARKER)
        assert markdown_syntax(markdown, allowed_html=OWN_HTML, allowed_headings={"cjrec plan"}) == [], limit
        opened = sum("<details" in t.content for t in tokens(markdown) if t.type == "html_block")
        closed = sum("</details>" in t.content for t in tokens(markdown) if t.type == "html_block")
        assert opened == closed, limit
        assert terminal_unsafe(markdown) == []


def test_drift_table_rows_keep_four_cells_whatever_cj_wrote() -> None:
    markdown = render_markdown(hostile_plan())
    rows = [t for t in tokens(markdown) if t.type == "tr_open"]
    cells = [t for t in tokens(markdown) if t.type in ("td_open", "th_open")]
    assert rows and len(cells) == 4 * len(rows)
