"""The plan as Markdown for pull-request comments: a summary up front, details collapsible.

GitHub limits a comment to 65,536 characters; the rendering stays under 60,000 and says so
when it had to cut.

Text from CJ is placed only through :mod:`reconciler.safe_text`: inside the changes block
by :func:`~reconciler.safe_text.markdown_fence` (a fence no content can close), in
tables and lists by :func:`~reconciler.safe_text.for_markdown_inline` (escaped: no
heading, link, image, HTML or mention can form) and as addresses by
:func:`~reconciler.safe_text.for_markdown_code`. The Markdown is also printed in CI logs,
so it holds no control character either.
"""

from __future__ import annotations

from reconciler.models.plan import Plan
from reconciler.render.describe import field_diff, refresh_line, show, shows_fields, summarise, summary_line, verb
from reconciler.safe_text import for_markdown_code, for_markdown_inline, markdown_fence

LIMIT = 60_000
MARKER = "<!-- cjrec-plan -->"
_CUT_NOTE = "\n\n_The plan was cut to fit a comment; run `cjrec plan` or download the plan artifact for all of it._\n"
_DETAILS_CLOSE = "\n</details>\n"


def render_markdown(plan: Plan, *, title: str = "cjrec plan", limit: int = LIMIT) -> str:
    """Markdown of at most ``limit`` characters."""
    head = [MARKER, f"### {title}", ""]
    if not plan.changes:
        head.append("**No changes.** CJ and the state match the manifests.")
    else:
        head.append(f"**{len(plan.changes)} change{'s' if len(plan.changes) != 1 else ''}.** " + summary_line(plan))
    refresh = refresh_line(plan)
    if refresh:
        head += ["", refresh]
    if plan.material_drift:
        head += ["", f"> [!CAUTION]\n> Material drift in {len(plan.material_drift)} place(s): see below."]
    if plan.warnings:
        head += ["", f"> [!WARNING]\n> {len(plan.warnings)} warning(s): see below."]
    sections: list[list[str]] = []
    if plan.changes:
        body = []
        for change in plan.changes:
            prefix = {"+": "+", "-": "-", "~": "!", "<=": "+", "+/": "+"}.get(change.action.symbol, " ")
            body.append(
                f"{prefix} {change.action.symbol:>2} {show(change.address)}  {verb(change)}  {summarise(change)}".rstrip()
            )
            if change.reason:
                body.append(f"#      {change.reason}")
            for key, before, after in field_diff(change) if shows_fields(change) else []:
                body.append(f"#      {show(key)}: {show(before)} -> {show(after)}")
        sections.append(_details(f"Changes ({len(plan.changes)})", markdown_fence(body, info="diff")))
    if plan.drift:
        rows = ["| resource | field | before | after |", "|---|---|---|---|"]
        rows += [
            f"| {_code(d.address)} | {_cell(d.field)} | {_cell(show(d.before))} | {_cell(show(d.after))} |"
            for d in plan.drift
        ]
        sections.append(_details(f"Drift ({len(plan.drift)})", rows))
    if plan.material_drift:
        rows = [f"- {_code(m.address or '')} {_cell(m.message)}" for m in plan.material_drift]
        sections.append(_details(f"Material drift ({len(plan.material_drift)})", rows, open_=True))
    if plan.unmanaged:
        rows = [f"- {_code(u.address or '')} {_cell(u.message)}" for u in plan.unmanaged]
        sections.append(_details(f"Unmanaged products ({len(plan.unmanaged)})", rows))
    if plan.status:
        rows = [f"- {_code(s.address or '')} {_cell(s.message)}" for s in plan.status]
        sections.append(_details(f"Sourcing requests at CJ ({len(plan.status)})", rows))
    if plan.warnings:
        rows = [f"- {_code(w.address) + ' ' if w.address else ''}{_cell(w.message)}" for w in plan.warnings]
        sections.append(_details(f"Warnings ({len(plan.warnings)})", rows, open_=True))
    return _fit("\n".join(head), sections, limit=limit)


def _details(summary: str, lines: list[str], *, open_: bool = False) -> list[str]:
    return [f"<details{' open' if open_ else ''}><summary>{summary}</summary>", "", *lines, "", "</details>"]


def _cell(text: str) -> str:
    """Outside text in a list item or a table cell: escaped, one line."""
    return for_markdown_inline(text, limit=400)


def _code(address: str) -> str:
    """An address as inline code (an unmanaged product's pid comes from CJ)."""
    return for_markdown_code(address, table=True)


def _fit(head: str, sections: list[list[str]], *, limit: int) -> str:
    """The head and the sections, cut at a line when the whole would exceed ``limit``.

    A cut closes the code fence (the same fence that opened it: it may be longer than
    three backticks) and the ``<details>`` it happened in (an open fence would swallow the
    rest of the comment), then says the plan was cut.
    """
    out = head + "\n"
    whole = out + "".join(
        ("\n" if i == 0 else "") + line + "\n" for section in sections for i, line in enumerate(section)
    )
    if len(whole) <= limit:
        return whole
    for section in sections:
        fence: str | None = None  # the fence that opened the block we are in
        for i, line in enumerate(section):
            addition = ("\n" if i == 0 else "") + line + "\n"
            fence_after = _fence_after(fence, line)
            # room for this line and for what a cut after it must add
            closing = (fence_after + "\n" if fence_after else "") + _DETAILS_CLOSE
            if len(out) + len(addition) + len(closing) + len(_CUT_NOTE) > limit:
                if fence:
                    out += fence + "\n"
                if section[0].startswith("<details") and i > 0:
                    out += _DETAILS_CLOSE
                return out + _CUT_NOTE
            out += addition
            fence = fence_after
    return out


def _fence_after(fence: str | None, line: str) -> str | None:
    """The open code fence after ``line``: a line of backticks opens one, the same fence closes it."""
    if fence is None:
        return line[: len(line) - len(line.lstrip("`"))] if line.startswith("```") else None
    return None if line == fence else fence
