"""The human plan: one line per change with its symbol, drift, unmanaged products, warnings last.

Colour is applied through a styling function the CLI passes (identity when colour is off),
so this module stays pure and its output can be compared with golden files. Every value
that may come from CJ (addresses of unmanaged products, names, keys, messages) goes
through :func:`reconciler.safe_text.for_terminal` before it is styled.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.models.plan import Action, Plan
from reconciler.render.describe import (
    field_diff,
    refresh_line,
    show,
    show_address,
    shows_fields,
    summarise,
    summary_line,
    verb,
)
from reconciler.safe_text import for_terminal

Style = Callable[[str, str], str]  # (text, role) -> styled text

_ROLE = {
    Action.CREATE: "create",
    Action.ADOPT: "adopt",
    Action.UPDATE: "update",
    Action.READD: "readd",
    Action.FORGET: "forget",
}
MAX_UNMANAGED_SHOWN = 20


def plain(text: str, role: str) -> str:
    """No styling."""
    return text


def render_plan(plan: Plan, *, style: Style = plain) -> str:
    """The plan as text, ending with a newline."""
    lines: list[str] = []
    if plan.mode == "offline":
        lines.append(style("Planned offline: CJ was not contacted; new products are shown without details.", "note"))
        lines.append("")
    if not plan.changes:
        lines.append(style("No changes. CJ and the state match the manifests.", "ok"))
    else:
        lines.append("cjrec will perform these actions:")
        lines.append("")
        width = min(max(len(show_address(c.address)) for c in plan.changes), 60)  # a long URL does not pad every line
        for change in plan.changes:
            symbol = style(f"{change.action.symbol:>2}", _ROLE[change.action])
            label = verb(change)
            description = summarise(change)
            lines.append(
                f"  {symbol} {show_address(change.address):<{width}}  {style(label, _ROLE[change.action])}  {description}".rstrip()
            )
            details = []
            if change.reason:
                details.append(for_terminal(change.reason, limit=None))
            if change.source:
                details.append(f"at {for_terminal(change.source, limit=None)}")
            if details:
                lines.append(f"       {style('; '.join(details), 'dim')}")
            if shows_fields(change):
                for key, before, after in field_diff(change):
                    lines.append(f"       {show(key)}: {show(before)} -> {show(after)}")
    if plan.drift:
        lines += ["", style("Drift (CJ changed since the last apply):", "heading")]
        for drift in plan.drift:
            lines.append(f"  ~ {show_address(drift.address)}  {show(drift.field)}: {show(drift.before)} -> {show(drift.after)}")
    if plan.material_drift:
        lines += ["", style(f"Material drift (fails the drift job): {len(plan.material_drift)}", "warning")]
        for item in plan.material_drift:
            lines.append(f"  ! {show_address(item.address or '')}  {for_terminal(item.message, limit=400)}")
    if plan.unmanaged:
        lines += ["", style(f"Unmanaged (in My Products, in no manifest): {len(plan.unmanaged)}", "heading")]
        for item in plan.unmanaged[:MAX_UNMANAGED_SHOWN]:
            lines.append(f"  ? {show_address(item.address or '')}  {for_terminal(item.message)}")
        if len(plan.unmanaged) > MAX_UNMANAGED_SHOWN:
            lines.append(f"  … and {len(plan.unmanaged) - MAX_UNMANAGED_SHOWN} more (see --format json)")
    if plan.status:
        lines += ["", style(f"Sourcing requests at CJ: {len(plan.status)}", "heading")]
        for item in plan.status:
            lines.append(f"  · {show_address(item.address or '')}  {for_terminal(item.message, limit=400)}")
    if plan.warnings:
        lines += ["", style("Warnings:", "warning")]
        for warning in plan.warnings:
            where = f"{show_address(warning.address)}: " if warning.address else ""
            lines.append(f"  ! {where}{for_terminal(warning.message, limit=400)}")
    refresh = refresh_line(plan)
    lines += ["", *([refresh] if refresh else []), summary_line(plan)]
    return "\n".join(lines) + "\n"
