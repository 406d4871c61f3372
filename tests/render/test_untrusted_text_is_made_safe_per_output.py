"""``reconciler.safe_text``: each output's rule holds for every hostile string, checked by parsing.

Markdown is parsed with markdown-it-py (CommonMark + GFM tables, strikethrough and
autolinks); CSV with the ``csv`` module; terminal text is checked byte by byte.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.safe_text import (
    TEXT_LIMIT,
    for_csv_cell,
    for_json,
    for_markdown_code,
    for_markdown_inline,
    for_store_csv,
    for_terminal,
    http_url,
    markdown_fence,
    starts_like_formula,
)
from tests.support.hostile_text import (
    FENCE_BREAKER,
    HOSTILE,
    JAVASCRIPT_URL,
    TERMINAL_FAKER,
    formula_cells,
    markdown_syntax,
    terminal_unsafe,
    tokens,
)

NOTHING = re.compile(r"(?!)")


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_has_no_control_bidi_or_line_break_and_is_capped(text: str) -> None:
    safe = for_terminal(text)

    assert terminal_unsafe(safe) == []
    assert "\n" not in safe
    assert len(safe) <= TEXT_LIMIT
    safe.encode("utf-8")  # no lone surrogate left to crash the writer


def test_terminal_text_drops_escape_sequences_whole_and_keeps_the_words() -> None:
    assert for_terminal(TERMINAL_FAKER) == "Cup FAKE: Apply complete, 0 changes ok gnp.exe"


def test_keep_newlines_keeps_lines_but_not_carriage_returns() -> None:
    assert for_terminal("a\r\nb\rc\n\x1b[31md", keep_newlines=True, limit=None) == "a\nb c\nd"


def test_a_cut_text_ends_with_an_ellipsis_within_the_limit() -> None:
    assert for_terminal("x" * 100, limit=10) == "x" * 9 + "…"
    assert for_terminal("short", limit=10) == "short"
    assert for_terminal(None) == ""


@given(st.text())
def test_any_text_is_terminal_safe(text: str) -> None:
    assert terminal_unsafe(for_terminal(text)) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_inline_markdown_forms_no_heading_link_image_html_or_mention(text: str) -> None:
    for container in ("{}", "- {}", "> {}", "| a | b |\n|---|---|\n| x | {} |", "1. {}"):
        markdown = container.format(for_markdown_inline(text))
        assert markdown_syntax(markdown, allowed_html=NOTHING, allowed_headings=set()) == [], markdown


@given(st.text(alphabet=st.sampled_from(list("#@[]()!<>`*_|:/w.-=+~$^&\\ a1\n\r\x1b")), max_size=60))
def test_inline_markdown_of_syntax_soup_renders_as_plain_text(text: str) -> None:
    markdown = "- " + for_markdown_inline(text)
    assert markdown_syntax(markdown, allowed_html=NOTHING, allowed_headings=set()) == []
    kinds = {t.type for t in tokens(markdown)}
    assert kinds <= {
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
        "inline",
        "text",
        "paragraph_close",
        "list_item_close",
        "bullet_list_close",
        "softbreak",
    }, kinds


def test_inline_markdown_renders_to_the_same_visible_text() -> None:
    name = "Mug [50% off] <b>#1</b> *new* @home"
    rendered = "".join(t.content for t in tokens(for_markdown_inline(name)) if t.type == "text")
    assert rendered.replace("\u2060", "") == name


def test_a_table_cell_cannot_add_a_column() -> None:
    row = f"| {for_markdown_inline('a | b | c')} | {for_markdown_code('x|y', table=True)} |"
    markdown = "| one | two |\n|---|---|\n" + row
    cells = [t for t in tokens(markdown) if t.type == "td_open"]
    assert len(cells) == 2


@pytest.mark.parametrize("text", [*HOSTILE, "`", "``x``", " ` "])
def test_a_code_span_holds_the_text_whole(text: str) -> None:
    markdown = "- " + for_markdown_code(text)
    spans = [t for t in tokens(markdown) if t.type == "code_inline"]
    assert len(spans) == 1
    assert spans[0].content.strip() == for_terminal(text).strip()
    assert markdown_syntax(markdown, allowed_html=NOTHING, allowed_headings=set()) == []


def test_no_line_of_a_fenced_block_closes_it_early() -> None:
    lines = [FENCE_BREAKER, "```", "````", "`````` six", "</details>", "## heading"]
    markdown = "\n".join([*markdown_fence(lines, info="diff"), "", "after"])
    blocks = [t for t in tokens(markdown) if t.type == "fence"]
    assert len(blocks) == 1
    assert blocks[0].info == "diff"
    assert blocks[0].content.count("\n") == len(lines)
    assert markdown_syntax(markdown, allowed_html=NOTHING, allowed_headings=set()) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_human_csv_cells_are_never_formulas_and_read_back_as_one_cell(text: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([for_csv_cell(text), "next"])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(rows) == 1
    assert len(rows[0]) == 2
    assert formula_cells(rows) == []
    assert terminal_unsafe(rows[0][0]) == []


def test_the_owasp_prefix_is_a_single_quote_and_other_cells_are_untouched() -> None:
    assert for_csv_cell("=1+1") == "'=1+1"
    assert for_csv_cell("\t=1+1") == " =1+1"  # a tab becomes a space, which no spreadsheet evaluates
    assert for_csv_cell("-5") == "'-5"
    assert for_csv_cell("Mug 11oz") == "Mug 11oz"
    assert for_csv_cell(None) == ""


def test_store_csv_quotes_formulas_only_for_importers_that_strip_the_quote() -> None:
    # WooCommerce's importer removes a ' in front of = + - @ again, so the title survives.
    assert for_store_csv("=SUM(A1)", quote_formulas=True) == "'=SUM(A1)"
    # Shopify keeps a leading ' in the title: the text stays as it is and the exporter warns.
    assert for_store_csv("=SUM(A1)", quote_formulas=False) == "=SUM(A1)"
    assert starts_like_formula("=SUM(A1)")
    assert not starts_like_formula("Mug")


def test_store_csv_keeps_lines_and_drops_controls() -> None:
    assert for_store_csv("<p>a</p>\r\n<p>b\x1b[2J</p>\u202e", quote_formulas=False) == "<p>a</p>\n<p>b</p>"


@pytest.mark.parametrize("text", HOSTILE)
def test_json_is_the_same_document_without_terminal_characters(text: str) -> None:
    document = {"name": text, "variants": [{"key": text}]}
    dumped = for_json(json.dumps(document, ensure_ascii=False))

    assert terminal_unsafe(dumped) == []
    assert json.loads(dumped) == document


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://cf.cjdropshipping.com/a/b.jpg", True),
        ("http://img.example/x.png?w=1&h=2", True),
        ("HTTPS://img.example/x.png", True),
        (JAVASCRIPT_URL, False),
        ("data:image/png;base64,AAAA", False),
        ("file:///etc/passwd", False),
        ("//img.example/x.png", False),
        ("/relative.png", False),
        ("https:///no-host", False),
        ("https://img.example/a b.png", False),
        ("https://img.example/\u202egnp.jpg", False),
        ("https://img.example/x.png\r\nSet-Cookie: a", False),
        ('https://img.example/x.png"><img src=x>', False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_and_https_image_urls_are_kept(url: str | None, kept: bool) -> None:
    assert http_url(url) == (url if kept else None)
