"""Markets end to end: freight quotes asked when products are created, counted in the plan's cost
and budget, the cheapest qualifying option recorded, and a warning for each product that cannot
reach a market, naming the closest option. Quotes are not asked again until needed.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.cj_workspace import CjWorkspace

MUG = "1658748072937136128"  # 350 g, stock in CN and US
TOTE = "000B9312-456A-4D31-94BD-B083E2A198E8"  # 120 g, stock in CN only


def markets(ws: CjWorkspace, *, de_shipping: str = "3.00") -> None:
    ws.write(
        "manifests/markets.yaml",
        "apiVersion: cjrec/v1\nkind: Market\nmetadata: {name: us}\n"
        "spec: {country: US, maxDays: 10, maxShipping: 6.00, from: [CN, US]}\n---\n"
        "apiVersion: cjrec/v1\nkind: Market\nmetadata: {name: germany}\n"
        f"spec: {{country: DE, maxDays: 8, maxShipping: {de_shipping}}}\n",
    )


def freight_calls(ws: CjWorkspace, start: int = 0) -> list[dict[str, Any]]:
    return [c for c in ws.sandbox.calls()[start:] if str(c["path"]).endswith("/logistic/freightCalculate")]


def test_quotes_are_asked_once_recorded_and_unreachable_markets_warned(cjw: CjWorkspace) -> None:
    cjw.products([MUG, TOTE])
    markets(cjw)

    result = cjw.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    plan = json.loads(result.stdout)  # type: ignore[attr-defined]
    # US: the mug from CN and US, the tote from CN only (no stock in US); DE: both from CN
    assert len(freight_calls(cjw)) == 5
    assert plan["cost"]["plan_points"] == 2 * 10 + 5 * 10  # two detail queries, five quotes
    changes = {c["address"]: c for c in plan["changes"]}
    us = changes["market.US"]["after"]["quotes"]
    assert us[MUG]["best"] == {"origin": "US", "name": "USPS+", "price": "5.83", "min_days": 2, "max_days": 5}
    assert us[TOTE]["best"]["name"] == "YunExpress Special Line" and us[TOTE]["best"]["origin"] == "CN"
    assert "no stock in US" in us[TOTE]["notes"]
    warnings = [w["message"] for w in plan["warnings"] if w["address"] in (f"product.{MUG}", f"product.{TOTE}")]
    assert len(warnings) == 2
    assert all(w.startswith("cannot reach DE within 8 days for $3.00: the best option found is ") for w in warnings)

    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    recorded = cjw.state()["markets"]
    assert recorded["US"][MUG]["best"]["price"] == "5.83"  # type: ignore[index]

    start = len(cjw.sandbox.calls())
    again = cjw.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert freight_calls(cjw, start) == []  # nothing new to quote: no points spent
    assert again.stdout.count("cannot reach DE") == 2  # type: ignore[attr-defined]

    markets(cjw, de_shipping="40")  # looser limits: recomputed from the recorded options, no call
    start = len(cjw.sandbox.calls())
    looser = cjw.run("plan", "--format", "json")
    plan = json.loads(looser.stdout)  # type: ignore[attr-defined]
    assert freight_calls(cjw, start) == []
    (change,) = plan["changes"]
    assert change["address"] == "market.DE" and change["action"] == "update"
    assert change["after"]["quotes"][MUG]["best"]["name"] == "DHL Official"
    assert not [w for w in plan["warnings"] if "cannot reach" in w["message"]]


def test_freight_quotes_count_against_the_points_budget_before_any_is_asked(cjw: CjWorkspace) -> None:
    cjw.products([MUG, TOTE])
    markets(cjw)
    cjw.write("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 10, pointsBudget: 50}\n")
    result = cjw.run("plan")
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "2 product detail queries (20 points) and up to 6 freight quotes (60 points)" in result.stderr  # type: ignore[attr-defined]
    assert "more than pointsBudget 50" in result.stderr  # type: ignore[attr-defined]
    assert freight_calls(cjw) == [] and cjw.sandbox.points_used() == 0


def test_an_origin_answering_an_error_is_a_note_not_a_failed_plan(cjw: CjWorkspace) -> None:
    cjw.products([TOTE])
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    # a market added later is quoted from the recorded variants, where stock is not known: every origin is asked
    cjw.sandbox.set_freight(noStock="error", routes={"CN-US": []})
    cjw.write(
        "manifests/markets.yaml",
        "apiVersion: cjrec/v1\nkind: Market\nmetadata: {name: us}\n"
        "spec: {country: US, maxDays: 10, maxShipping: 9, from: [CN, US]}\n",
    )
    result = cjw.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert len(freight_calls(cjw)) == 2
    plan = json.loads(result.stdout)  # type: ignore[attr-defined]
    quote = next(c for c in plan["changes"] if c["address"] == "market.US")["after"]["quotes"][TOTE]
    assert quote["options"] == [] and quote["best"] is None
    notes = " | ".join(quote["notes"])
    assert "CJ quoted no option from CN (no stock there?)" in notes
    assert "CJ gave no quote from US: CJ answered with an error: No warehouse in US has stock" in notes
    (warning,) = [w["message"] for w in plan["warnings"] if w["address"] == f"product.{TOTE}"]
    assert warning.startswith("cannot reach US within 10 days for $9.00: CJ quoted no option from CN, US (")
