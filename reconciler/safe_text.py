"""Making text that comes from outside (CJ, its suppliers) safe for each place cjrec writes it.

Product names, variant keys, SKUs, image URLs and CJ's error ``message`` are written by
strangers. Every renderer passes such text through exactly one function of this module,
chosen by where the text goes; none of them escapes anything on its own. The rules (and
why) are in docs/RELIABILITY.md, "Text from CJ is untrusted".

- :func:`for_terminal` — a terminal, a CI log, a YAML comment: no C0/C1 control character
  (``\\r`` and ``\\n`` included), no ANSI/escape sequence, no bidirectional override or
  invisible formatting character, no lone surrogate; one line, at most ``limit`` characters.
- :func:`for_markdown_inline` — a paragraph, list item or table cell of a Markdown comment:
  the terminal rule, then every character that could open a heading, list, quote, link,
  image, HTML tag, entity, emphasis, table cell or math span is backslash-escaped, and
  ``@mention``, ``#123``, ``www.`` and ``scheme://`` autolink forms are broken with an
  invisible WORD JOINER (GitHub recognises mentions and autolinks after escapes are read).
- :func:`for_markdown_code` — an inline code span whose backtick fence is longer than any
  backtick run inside.
- :func:`markdown_fence` — a fenced code block whose fence is longer than any backtick run
  in the content, so no content line can close it.
- :func:`for_csv_cell` — a cell of the human ``csv`` export: the terminal rule without the
  length cap, then the OWASP rule (a cell starting with ``= + - @`` tab or CR gets a
  leading ``'`` so a spreadsheet shows it as text instead of running it as a formula).
- :func:`for_store_csv` — a cell of a file meant for a store's importer (Shopify,
  WooCommerce): control characters removed (newlines kept), and the ``'`` prefix only when
  the importer strips it again (``quote_formulas=True``: WooCommerce's importer removes a
  ``'`` in front of ``= + - @``, the same rule its exporter writes); Shopify keeps a leading
  ``'`` in the title, so a Shopify cell is left as it is and :func:`starts_like_formula` lets
  the exporter warn about it instead.
- :func:`for_json` — JSON text already made by ``json.dumps(..., ensure_ascii=False)``:
  the same document (it parses to the same values), with every character a terminal would
  act on written as a ``\\uXXXX`` escape.
- :func:`http_url` — an image URL kept only when it is ``http``/``https`` with a host.

Pure functions of strings; this module imports nothing from cjrec, so every layer (the
applier's error messages included) may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

TEXT_LIMIT = 200
"""Default cap, in characters, of one value shown in a terminal or a Markdown comment."""

ELLIPSIS = "…"
WORD_JOINER = "\u2060"

# Escape sequences, removed whole: CSI (ESC [ … final, or the 8-bit CSI U+009B), OSC (ESC ] …
# BEL or ST), DCS/SOS/PM/APC strings (ESC P|X|^|_ … ST), and two-character ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# Line and column breaks: one space each run, so text stays on the line it was put on.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
# What remains of C0/C1 and DEL; bidirectional controls (embeddings, overrides, isolates,
# marks); zero-width and invisible formatting characters; interlinear annotations; the BOM;
# non-characters; Unicode tag characters (invisible ASCII look-alikes).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\U000e0000-\U000e007f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# What for_json writes as \\uXXXX: anything a terminal acts on or hides, outside plain ASCII.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can
# open or close something (heading, list, quote, code, emphasis, link, image, HTML, entity,
# table cell, strikethrough, math, footnote) anywhere in a line...
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~=&$^])")
# ...and these only where they would start a list item or a thematic break: at the start.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(-|\d{1,9}(?=\.))")  # ")" is escaped everywhere
# Forms GitHub turns into links or notifications in text nodes, after escapes are read:
# @mentions (and e-mail autolinks), #123 references, www. and scheme:// autolinks.
_AUTOLINK_FORMS = re.compile(r"(@|#|(?i:www)(?=\.)|:(?=//))")

_NOT_IN_URL = re.compile(r'[\s<>"{}|\\^`]')
# the common shape of an image URL (https://host/path.jpg), which every check below accepts: tried first
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/%+,;=:@!$&'()*-]*)?")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(text: object, *, limit: int | None = TEXT_LIMIT, keep_newlines: bool = False) -> str:
    """``text`` as one line a terminal prints as it reads, cut to ``limit`` characters.

    Escape sequences are removed whole, line breaks and tabs become one space (or, with
    ``keep_newlines``, ``\\n`` stays and ``\\r`` goes), other control, bidirectional and
    invisible characters are removed, lone surrogates become U+FFFD. A cut text ends with
    ``…`` and is at most ``limit`` characters long. ``None`` gives ``""``.
    """
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():  # the common case: no control, format (bidi), separator or surrogate character
        return _cut(value, limit)
    if limit is not None and len(value) > limit * 4 + 256:
        value = value[: limit * 4 + 256]  # enough to fill the cap after removals; never scan megabytes
    value = _ESCAPE_SEQUENCE.sub("", value)
    if keep_newlines:
        value = "\n".join(_BREAKS.sub(" ", line) for line in re.split(r"\r\n|\n", value))
    else:
        value = _BREAKS.sub(" ", value)
    value = _INVISIBLE.sub("", value)
    value = _SURROGATE.sub("\ufffd", value)
    return _cut(value, limit)


def _cut(value: str, limit: int | None) -> str:
    if limit is not None and len(value) > limit:
        return value[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS
    return value


def for_markdown_inline(text: object, *, limit: int | None = TEXT_LIMIT) -> str:
    """``text`` as inline Markdown that renders as exactly that text and nothing else.

    One line (the terminal rule), punctuation that Markdown or GitHub reads as syntax
    backslash-escaped, and a WORD JOINER after ``@``, ``#``, ``www`` and ``:`` before ``//``
    so that no mention, reference or autolink forms. Safe in a GFM table cell (``|`` is escaped).
    """
    flat = for_terminal(text, limit=limit)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    escaped = _MARKDOWN_LINE_START.sub(_escape_line_start, escaped)
    return _AUTOLINK_FORMS.sub(lambda m: m.group(1) + WORD_JOINER, escaped)


def for_markdown_code(text: object, *, limit: int | None = TEXT_LIMIT, table: bool = False) -> str:
    """``text`` as an inline code span: nothing inside is read as Markdown.

    The backtick fence is one longer than the longest backtick run in the text; a space
    pads text that starts or ends with a backtick or a space. With ``table``, ``|`` is
    written ``\\|`` (a GFM table splits cells at ``|`` even inside code).
    """
    flat = for_terminal(text, limit=limit) or " "
    fence = "`" * (_longest_run(flat, "`") + 1)
    pad = " " if flat[0] in "` " or flat[-1] in "` " else ""
    if table:
        flat = flat.replace("|", "\\|")
    return f"{fence}{pad}{flat}{pad}{fence}"


def markdown_fence(lines: Iterable[str], *, info: str = "") -> list[str]:
    """A fenced code block holding ``lines``: the opening fence, the lines, the closing fence.

    Each line gets the terminal rule without a length cap (the Markdown is also printed in
    CI logs); the fence is a run of backticks longer than any in the content (at least
    three), so no content line can close the block early. ``info`` is our own word
    (``diff``), never outside text.
    """
    body = [for_terminal(line, limit=None) for line in lines]
    longest = max((_longest_run(line, "`") for line in body), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *body, fence]


def for_csv_cell(text: object) -> str:
    """A cell of a CSV meant for people and spreadsheets (the OWASP rule).

    Control, bidirectional and invisible characters are removed and line breaks become a
    space (no length cap: it is data). A cell that then starts with ``=``, ``+``, ``-`` or
    ``@`` gets a leading ``'``, so a spreadsheet shows it as text instead of evaluating it.
    """
    value = for_terminal(text, limit=None)
    return "'" + value if value.startswith(_FORMULA_START) else value


def for_store_csv(text: object, *, quote_formulas: bool) -> str:
    """A cell of a CSV meant for a store's importer, which shows the cell to shoppers as it is.

    Control, bidirectional and invisible characters are removed, ``\\n`` is kept (a
    description may hold several lines) and nothing is cut. With ``quote_formulas`` (for
    importers that strip a ``'`` in front of ``= + - @`` again, as WooCommerce's does), a cell
    starting with one of them gets the OWASP ``'``. Without it (Shopify, which would keep the
    ``'`` in the product title), the cell is left as it is: the exporter warns with
    :func:`starts_like_formula` instead.
    """
    value = for_terminal(text, limit=None, keep_newlines=True)
    if quote_formulas and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet would read this cell as a formula (it starts with ``= + - @`` tab or CR)."""
    return text.startswith(_FORMULA_START)


def for_json(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with nothing a terminal acts on.

    ``json.dumps`` already escapes C0 controls; this also writes DEL, C1 controls,
    bidirectional and invisible characters, line/paragraph separators and lone surrogates as
    ``\\uXXXX``. Such characters only occur inside JSON strings, so the document parses to
    exactly the same values.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def http_url(text: object) -> str | None:
    """``text`` when it is an absolute ``http``/``https`` URL with a host; else ``None``.

    Anything else — ``javascript:``, ``data:``, ``file:``, relative paths, text with spaces
    or control characters — is refused, so it never reaches an export, a store or an order.
    """
    if not isinstance(text, str) or not text or len(text) > 2048:
        return None
    if _PLAIN_URL.fullmatch(text):  # 50,000 variant images in an export: 3.4 µs a URL for urlsplit, 0.4 here
        return text
    if for_terminal(text, limit=None) != text or _NOT_IN_URL.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


def _escape_line_start(match: re.Match[str]) -> str:
    lead, marker = match.group(1), match.group(2)
    return f"{lead}\\-" if marker == "-" else f"{lead}{marker}\\"


def _longest_run(text: str, char: str) -> int:
    """Length of the longest run of ``char`` in ``text`` (0 when there is none)."""
    if char not in text:
        return 0
    return max(len(run) for run in re.findall(re.escape(char) + "+", text))
