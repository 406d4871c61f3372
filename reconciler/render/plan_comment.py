"""One pull-request comment for the plans of many accounts: a summary table, then a section per account.

Made by ``cjrec plan --all --format markdown`` / ``--out-markdown FILE`` in one process
(``cli/many_accounts.py``), and by ``cjrec accounts comment DIR`` from the files the matrix
plan jobs of the generated workflow upload, one account each. Both come out the same: the
hidden :data:`~reconciler.render.markdown.MARKER` first (the comment is found by it and
updated, never posted twice), then the table, then each account's section between hidden
``cjrec-account`` markers that carry its name, exit code and result, so sections written by
separate jobs can be read back (:func:`read_sections`) and put together again.

A plan's own Markdown is already made safe by ``render/markdown.py``; the result line and the
reason an account failed come from cjrec's messages and are escaped here. GitHub takes at most
65,536 characters: when the sections together are longer than
:data:`~reconciler.render.markdown.LIMIT`, the longest keep only their summary (the part before
their first collapsible block, where no code fence can be open) and say where the rest is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from reconciler.render.markdown import LIMIT, MARKER
from reconciler.safe_text import for_markdown_inline

_OPEN = re.compile(r"^<!-- cjrec-account name=([a-z0-9][a-z0-9_-]{0,62}) exit=(-?\d{1,3}) result=(\S*) -->$", re.M)
_CLOSE = "<!-- /cjrec-account -->"
_TITLE = re.compile(r"^### cjrec plan\n\n?", re.M)
_SHORTENED = (
    "\n_This account's plan was shortened to fit one comment with the others: the plan job's summary, or "
    "`cjrec plan --accounts {name}`, shows all of it._\n"
)


@dataclass(frozen=True)
class AccountSection:
    """One account's part of the comment: its exit code, one-line result, and plan Markdown ("" if none)."""

    name: str
    code: int
    result: str
    body: str


def section_of(name: str, code: int, result: str, plan_markdown: str) -> AccountSection:
    """A section from an account's run: ``plan_markdown`` is ``render_markdown``'s text (its marker is dropped)."""
    body = plan_markdown.replace(MARKER, "", 1).lstrip("\n")
    return AccountSection(name, code, result, _TITLE.sub("", body, count=1))


def combined_comment(sections: Iterable[AccountSection], *, missing: Iterable[str] = (), limit: int = LIMIT) -> str:
    """The comment: marker, table, and the sections sorted by account, within ``limit`` characters."""
    chosen = sorted(sections, key=lambda section: section.name)
    absent = sorted(set(missing) - {section.name for section in chosen})
    head = _head(chosen, absent)
    bodies = {section.name: section.body for section in chosen}
    for section in sorted(chosen, key=lambda s: len(s.body), reverse=True):
        if len(_whole(head, chosen, bodies)) <= limit:
            break
        bodies[section.name] = _summary_part(section.body) + _SHORTENED.format(name=section.name)
    return _whole(head, chosen, bodies)


def read_sections(text: str) -> list[AccountSection]:
    """The account sections of a comment made by :func:`combined_comment` (the rest is ignored)."""
    found = []
    for match in _OPEN.finditer(text):
        end = text.find(_CLOSE, match.end())
        if end < 0:
            continue
        inner = text[match.end() : end].strip("\n")
        _heading, _, body = inner.partition("\n\n")
        found.append(
            AccountSection(match.group(1), int(match.group(2)), unquote(match.group(3)), body.strip("\n") + "\n")
        )
    return found


def _head(sections: list[AccountSection], absent: list[str]) -> str:
    changed = sum(1 for section in sections if section.code == 2)
    failed = sum(1 for section in sections if section.code not in (0, 2)) + len(absent)
    count = len(sections) + len(absent)
    title = f"### cjrec plan: {count} account{'s' if count != 1 else ''}"
    rows = ["| account | exit | result |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {s.code} | {for_markdown_inline(s.result, limit=200)} |" for s in sections]
    rows += [f"| `{name}` | – | no plan: its plan job wrote none (see the job's log) |" for name in absent]
    tally = f"**{changed} with changes, {failed} failed.**" if failed else f"**{changed} with changes.**"
    return "\n".join([MARKER, title, "", tally, "", *rows, ""])


def _whole(head: str, sections: list[AccountSection], bodies: dict[str, str]) -> str:
    parts = [head]
    for section in sections:
        opening = (
            f"<!-- cjrec-account name={section.name} exit={section.code} result={quote(section.result, safe='')} -->"
        )
        body = bodies[section.name]
        if not body.strip():
            body = (
                f"**Failed:** {for_markdown_inline(section.result, limit=400)}\n" if section.code not in (0, 2) else ""
            )
        parts.append(f"{opening}\n## Account `{section.name}`\n\n{body.rstrip()}\n{_CLOSE}\n")
    return "\n".join(parts)


def _summary_part(body: str) -> str:
    """The plan's lines before its first collapsible block (no fence is open there)."""
    cut = body.find("<details")
    return (body if cut < 0 else body[:cut]).rstrip() + "\n"
