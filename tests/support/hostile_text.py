"""Hostile text as a supplier could put it into CJ, and the parser-based checks of what cjrec writes.

Shared by the unit tests of ``reconciler.safe_text`` and the end-to-end test that renders
every output from the sandbox's hostile catalogue. The checks parse the output as its
reader would (a CommonMark + GFM parser for Markdown, ``csv`` for CSV, the raw bytes for a
terminal) instead of looking for the strings the code is known to produce.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The product name of the issue: breaks out of a code fence and a <details>, then writes
# a heading, a mention, a link and an HTML image.
FENCE_BREAKER = (
    "![x](https://evil.example/p.png) Mug\n```\n</details>\n\n## Approved by admin @octocat "
    "[click](https://evil.example) <img src=https://evil.example/i.png>"
)
# Terminal tricks: clears the screen, fakes a result line, overwrites it, reads backwards.
TERMINAL_FAKER = "Cup \x1b[2J\x1b]0;owned\x07FAKE: Apply complete, 0 changes\r\nok \u202egnp.exe\x9b31m"

HOSTILE = (
    FENCE_BREAKER,
    TERMINAL_FAKER,
    '=HYPERLINK("https://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\tTabbed =1+1",
    "NUL\x00byte and lone \ud800 surrogate",
    "``` ```` ````` fences | pipes | <script>alert(1)</script> &amp; www.evil.example #1",
    "> quote\n- list\n1. ordered\n---\n| a | b |\n|---|---|\n$x^2$ ~~strike~~ **bold** [^1]",
    "\u2066isolate\u2069 \u200bzero\u200dwidth \ufeffbom \u2028line\u2029para \x85nel",
    "L" * 5000,
)
JAVASCRIPT_URL = "javascript:alert(document.cookie)"

# C0 and C1 controls except \n, DEL, bidirectional controls, zero-width and invisible formatting.
TERMINAL_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\u2028\u2029]"
)
# A GitHub mention: @ directly followed by a login character.
MENTION = re.compile(r"@[A-Za-z0-9]")

_PARSER = MarkdownIt("gfm-like", {"linkify": True})
_PARSER.linkify.set({"fuzzy_link": False})  # GFM autolinks only www. and scheme:// forms


def terminal_unsafe(text: str) -> list[str]:
    """The characters in ``text`` a terminal would act on (or hide), as reprs."""
    return sorted({repr(c) for c in TERMINAL_UNSAFE.findall(text)})


def tokens(markdown: str) -> Iterator[Token]:
    """Every token of the parsed Markdown, inline children included."""
    for token in _PARSER.parse(markdown):
        yield token
        yield from token.children or ()


def markdown_syntax(markdown: str, *, allowed_html: re.Pattern[str], allowed_headings: set[str]) -> list[str]:
    """Headings, links, images, HTML and mentions in ``markdown`` that are not cjrec's own."""
    found = []
    all_tokens = list(tokens(markdown))
    for i, token in enumerate(all_tokens):
        if token.type in ("link_open", "image"):
            found.append(f"{token.type} {token.attrGet('href') or token.attrGet('src')}")
        elif token.type in ("html_block", "html_inline"):
            for chunk in token.content.strip().splitlines():
                if chunk.strip() and not allowed_html.fullmatch(chunk.strip()):
                    found.append(f"{token.type} {chunk[:80]!r}")
        elif token.type == "heading_open":
            title = all_tokens[i + 1].content
            if title not in allowed_headings:
                found.append(f"heading {title[:80]!r}")
        elif token.type == "text" and MENTION.search(token.content):
            found.append(f"mention in {token.content[:80]!r}")
    return found


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would evaluate (the OWASP triggers)."""
    return [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
