"""``http_url`` tries one regular expression for the common shape (``https://host/path.jpg``) before
the full checks: it must accept exactly what the full checks accept, URL for URL."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import safe_text

PIECES = st.sampled_from(
    [
        "http",
        "https",
        "HTTP",
        "javascript",
        ":",
        "//",
        "/",
        "@",
        "a",
        "b.c",
        "-",
        "8080",
        ":99999",
        "?",
        "#",
        "%20",
        " ",
        "\u202e",
        "\x85",
        "[",
        "]",
        "<",
        "'",
        "(",
        "~",
        "+",
        ".jpg",
        "é",
        "\\",
        "\t",
        "=",
        "&",
        ";",
        "",
    ]
)
URLS = st.lists(PIECES, max_size=10).map("".join)


@settings(max_examples=1500, deadline=None)
@given(text=st.one_of(URLS, st.from_regex(safe_text._PLAIN_URL, fullmatch=True)))
def test_the_fast_path_accepts_what_the_full_checks_accept(text: str) -> None:
    fast = safe_text.http_url(text)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(safe_text, "_PLAIN_URL", re.compile(r"(?!)"))  # never matches: the full checks alone
        full = safe_text.http_url(text)
    assert fast == full


def test_a_common_image_url_is_accepted_and_a_script_refused() -> None:
    assert safe_text.http_url("https://cf.cjdropshipping.com/a/b.jpg") == "https://cf.cjdropshipping.com/a/b.jpg"
    assert safe_text.http_url("javascript:alert(1)") is None
