"""CJ product URLs in both forms give the product id; anything else is refused with the expected form.

Forms (shared/cj-api.md): current ``https://cjdropshipping.com/product/<slug>-p-<pid>.html``
(also ``www.``) and legacy ``https://app.cjdropshipping.com/product-detail.html?id=<pid>``
(also the bare host). A pid is an uppercase UUID or a 15-20 digit number, kept as a string.
"""

from __future__ import annotations

import re
import string
import uuid

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.errors import CjrecError
from reconciler.models.product_url import (
    EXPECTED_FORM,
    ProductUrlError,
    normalise_pid,
    pid_from_url,
    product_url,
    slugify,
)

NUMERIC = "1658748072937136128"
CORRUPTIBLE = "1712345678901234567"  # > 2**53 and not a multiple of a power of two: a float changes it
UUID = "000B9312-456A-4D31-94BD-B083E2A198E8"
CANONICAL_PID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}|[0-9]{15,20}")


@pytest.mark.parametrize(
    ("url", "pid"),
    [
        (f"https://cjdropshipping.com/product/ceramic-coffee-mug-p-{NUMERIC}.html", NUMERIC),
        (f"https://www.cjdropshipping.com/product/ceramic-coffee-mug-p-{NUMERIC}.html", NUMERIC),
        (f"https://WWW.CJDropshipping.com/product/mug-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/caf%C3%A9-mug-%E2%98%95-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/mug%2D2-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/mugs%2Fcups-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/t-shirt-p-shirt-p-1-p-{NUMERIC}.html", NUMERIC),
        (f"https://cjdropshipping.com/product/mug-p-{NUMERIC}.html?from=search&lang=en", NUMERIC),
        (f"https://cjdropshipping.com/product/mug-p-{NUMERIC}.html#reviews", NUMERIC),
        (f"https://cjdropshipping.com/product/mug-p-{NUMERIC}.html?id=1712345678901234567#x", NUMERIC),
        (f"  https://cjdropshipping.com/product/mug-p-{NUMERIC}.html\n", NUMERIC),
        (f"https://cjdropshipping.com/product/mug-p-{UUID}.html", UUID),
        (f"https://cjdropshipping.com/product/mug-p-{UUID.lower()}.html", UUID),
        (f"https://app.cjdropshipping.com/product-detail.html?id={NUMERIC}", NUMERIC),
        (f"https://cjdropshipping.com/product-detail.html?id={NUMERIC}", NUMERIC),
        (f"https://www.cjdropshipping.com/product-detail.html?id={NUMERIC}", NUMERIC),
        (f"https://app.cjdropshipping.com/product-detail.html?id={UUID}", UUID),
        (f"https://app.cjdropshipping.com/product-detail.html?id={UUID.lower()}", UUID),
        (f"https://app.cjdropshipping.com/product-detail.html?from=home&id={UUID}&utm_source=x#top", UUID),
    ],
    ids=[
        "current",
        "current-www",
        "current-host-in-any-case",
        "current-empty-slug",
        "current-percent-encoded-slug",
        "current-percent-encoded-hyphen-in-slug",
        "current-percent-encoded-slash-in-slug",
        "current-slug-containing-p",
        "current-query-ignored",
        "current-fragment-ignored",
        "current-query-id-ignored",
        "surrounding-whitespace",
        "current-uuid",
        "current-lowercase-uuid-uppercased",
        "legacy-app-host",
        "legacy-bare-host",
        "legacy-www-host",
        "legacy-uuid",
        "legacy-lowercase-uuid-uppercased",
        "legacy-other-parameters-and-fragment-ignored",
    ],
)
def test_product_url_gives_its_pid(url: str, pid: str) -> None:
    assert pid_from_url(url) == pid


def test_numeric_pid_is_kept_as_the_exact_string() -> None:
    pid = pid_from_url(f"https://cjdropshipping.com/product/mug-p-{CORRUPTIBLE}.html")

    assert isinstance(pid, str)
    assert pid == "1712345678901234567"
    assert str(int(float(pid))) != pid, "the example must be one a float would corrupt"


def test_leading_zeros_of_a_numeric_pid_are_kept() -> None:
    assert pid_from_url("https://cjdropshipping.com/product/mug-p-000000000000123456.html") == "000000000000123456"


@pytest.mark.parametrize("digits", [15, 20])
def test_numeric_pids_of_15_to_20_digits_are_accepted(digits: int) -> None:
    pid = "1" * digits
    assert pid_from_url(f"https://cjdropshipping.com/product/x-p-{pid}.html") == pid


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://example.com/product/mug-p-1658748072937136128.html", "host 'example.com' is not cjdropshipping.com"),
        ("https://cjdropshipping.com.evil.example/product/mug-p-1658748072937136128.html", "is not cjdropshipping.com"),
        ("https://evil.example/?u=cjdropshipping.com/product/mug-p-1658748072937136128.html", "host 'evil.example'"),
        ("ftp://cjdropshipping.com/product/mug-p-1658748072937136128.html", "must be an https:// link"),
        ("cjdropshipping.com/product/mug-p-1658748072937136128.html", "must be an https:// link"),
        ("//cjdropshipping.com/product/mug-p-1658748072937136128.html", "must be an https:// link"),
        ("1658748072937136128", "must be an https:// link"),
        ("", "must be an https:// link"),
        ("https://cjdropshipping.com:8443/product/mug-p-1658748072937136128.html", "unexpected user or port"),
        ("https://cjdropshipping.com:99999/product/mug-p-1658748072937136128.html", "not a valid URL"),
        ("https://user:pw@cjdropshipping.com/product/mug-p-1658748072937136128.html", "unexpected user or port"),
        ("https://[::1/product/mug-p-1658748072937136128.html", "not a valid URL"),
        ("https://cjdropshipping.com/product/mug-1658748072937136128.html", "no -p-<id> before .html"),
        ("https://cjdropshipping.com/product/mug-p-1658748072937136128", "must end in -p-<id>.html"),
        ("https://cjdropshipping.com/product/mug-p-1658748072937136128.htm", "must end in -p-<id>.html"),
        ("https://cjdropshipping.com/product/mugs/mug-p-1658748072937136128.html", "must end in -p-<id>.html"),
        ("https://cjdropshipping.com/product/mug-p-16587480729371.html", "neither a UUID nor a 15-20 digit number"),
        ("https://cjdropshipping.com/product/mug-p-165874807293713612800.html", "neither a UUID nor a 15-20 digit"),
        ("https://cjdropshipping.com/product/mug-p-1658748072937136128x.html", "neither a UUID"),
        ("https://cjdropshipping.com/product/mug-p-000B9312-456A-4D31-94BD-B083E2A198E.html", "neither a UUID"),
        ("https://cjdropshipping.com/product/mug-p-000B9312456A4D3194BDB083E2A198E8.html", "neither a UUID"),
        ("https://cjdropshipping.com/product/mug-p-{000B9312-456A-4D31-94BD-B083E2A198E8}.html", "neither a UUID"),
        ("https://cjdropshipping.com/product/mug-p-.html", "neither a UUID"),
        ("https://cjdropshipping.com/product/mug-p-1658748072937136128-p-mug.html", "neither a UUID"),
        ("https://app.cjdropshipping.com/product/mug-p-1658748072937136128.html", "not a CJ product URL"),
        ("https://cjdropshipping.com/products/mug-p-1658748072937136128.html", "not a CJ product URL"),
        ("https://cjdropshipping.com/", "not a CJ product URL"),
        ("https://cjdropshipping.com/search?q=mug", "not a CJ product URL"),
        ("https://app.cjdropshipping.com/product-detail.html", "without exactly one id="),
        ("https://app.cjdropshipping.com/product-detail.html?pid=1658748072937136128", "without exactly one id="),
        (
            "https://app.cjdropshipping.com/product-detail.html?id=1658748072937136128&id=1712345678901234567",
            "without exactly one id=",
        ),
        ("https://app.cjdropshipping.com/product-detail.html#id=1658748072937136128", "without exactly one id="),
        ("https://app.cjdropshipping.com/product-detail.html?id=mug", "neither a UUID"),
        ("https://shop.example/product-detail.html?id=1658748072937136128", "host 'shop.example'"),
        (
            "https://developers.cjdropshipping.com/product-detail.html?id=1658748072937136128",
            "is not cjdropshipping.com",
        ),
    ],
)
def test_anything_else_is_refused_with_the_expected_form(url: str, words: str) -> None:
    with pytest.raises(ProductUrlError) as refused:
        pid_from_url(url)

    message = str(refused.value)
    assert words in message
    assert EXPECTED_FORM in message, "the message must show the URL form that works"


@pytest.mark.parametrize("value", [None, 1658748072937136128, b"https://cjdropshipping.com/product/x-p-1.html", ["x"]])
def test_a_value_that_is_not_text_is_refused_with_the_expected_form(value: object) -> None:
    with pytest.raises(ProductUrlError, match=re.escape(EXPECTED_FORM)):
        pid_from_url(value)  # type: ignore[arg-type]


def test_product_url_error_is_a_cjrec_error() -> None:
    assert issubclass(ProductUrlError, CjrecError)


def test_a_long_bad_id_is_cut_in_the_message() -> None:
    with pytest.raises(ProductUrlError) as refused:
        pid_from_url("https://cjdropshipping.com/product/mug-p-" + "9" * 5000 + ".html")
    assert len(str(refused.value)) < 300


def test_normalise_pid_uppercases_a_uuid_and_keeps_a_number() -> None:
    assert normalise_pid(UUID.lower()) == UUID
    assert normalise_pid(NUMERIC) == NUMERIC
    with pytest.raises(ProductUrlError, match="not a CJ product id"):
        normalise_pid("12345")


def test_product_url_makes_the_current_form_with_a_slug() -> None:
    assert product_url(NUMERIC, "Ceramic Coffee Mug, 350 ml!") == (
        f"https://cjdropshipping.com/product/ceramic-coffee-mug-350-ml-p-{NUMERIC}.html"
    )
    assert product_url(UUID) == f"https://cjdropshipping.com/product/-p-{UUID}.html"
    assert slugify("  Déjà  Vu -- T-Shirt ") == "deja-vu-t-shirt"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Men's Casual Hoodie", "men-s-casual-hoodie"),
        ("Straße & Café Mug", "strasse-cafe-mug"),
        ("Ærø Ølglas Łódź", "aero-olglas-lodz"),
        ("ＬＥＤ Ｌｉｇｈｔ ②", "led-light-2"),
        ("İstanbul Ιωάννα 杯子", "istanbul"),
        ("100% Cotton T-Shirt (Unisex) – 2024", "100-cotton-t-shirt-unisex-2024"),
        ("陶瓷杯", ""),
    ],
)
def test_slugify_folds_accents_and_joins_ascii_words_with_hyphens(name: str, slug: str) -> None:
    assert slugify(name) == slug


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_name_gives_a_slug_of_lowercase_ascii_words_and_single_hyphens(name: str) -> None:
    assert re.fullmatch(r"([0-9a-z]+(-[0-9a-z]+)*)?", slugify(name))


# -- properties --------------------------------------------------------------------------
def _only_its_own_error(text: object) -> None:
    """pid_from_url returns a canonical pid or raises ProductUrlError: nothing else escapes."""
    try:
        pid = pid_from_url(text)  # type: ignore[arg-type]
    except ProductUrlError as exc:
        message = str(exc)
    else:
        assert isinstance(pid, str)
        assert CANONICAL_PID.fullmatch(pid), pid
        return
    assert message, "the error must say what is wrong"


@settings(max_examples=400, deadline=None)
@given(st.text())
@example("https://[")
@example("https://cjdropshipping.com:x/product/a-p-1658748072937136128.html")
@example("https://cjdropshipping.com\uff0fproduct/a-p-1658748072937136128.html")
@example("https://cjdropshipping.com/product/%FF%FE-p-1658748072937136128.html")
@example(
    "https://cjdropshipping.com/product/a-p-\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662\u0663\u0664\u0665.html"
)
@example("https://app.cjdropshipping.com/product-detail.html?id=%00")
@example("\x00")
def test_any_text_gives_a_pid_or_a_product_url_error(text: str) -> None:
    _only_its_own_error(text)


HOSTS = st.sampled_from(
    ["cjdropshipping.com", "www.cjdropshipping.com", "app.cjdropshipping.com", "CJDROPSHIPPING.COM", "example.com", ""]
)
PID_LIKE = st.one_of(
    st.from_regex(r"[0-9]{10,25}", fullmatch=True),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.text(alphabet=string.hexdigits + "-%", max_size=40),
    st.text(max_size=20),
)
URLISH = st.builds(
    lambda scheme, userinfo, host, port, path, pid, suffix, query, fragment: (
        f"{scheme}{userinfo}{host}{port}{path}{pid}{suffix}{query}{fragment}"
    ),
    scheme=st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "//", "", "https:/", "https:///"]),
    userinfo=st.sampled_from(["", "", "", "user@", "u:p@", "@"]),
    host=st.one_of(HOSTS, st.text(max_size=15)),
    port=st.sampled_from(["", "", "", ":443", ":0", ":99999", ":x", ":"]),
    path=st.one_of(
        st.sampled_from(
            ["/product/", "/product/mug-p-", "/product/-p-", "/product/a-p-b-p-", "/product-detail.html?id="]
        ),
        st.text(max_size=30).map(lambda s: "/product/" + s + "-p-"),
        st.text(max_size=30),
    ),
    pid=PID_LIKE,
    suffix=st.sampled_from([".html", ".html", "", ".htm", "/.html", "%2Ehtml"]),
    query=st.one_of(st.just(""), st.text(max_size=20).map(lambda s: "?" + s), st.just("?id=1&id=2")),
    fragment=st.one_of(st.just(""), st.text(max_size=10).map(lambda s: "#" + s)),
)


@settings(max_examples=600, deadline=None)
@given(URLISH)
def test_any_url_like_text_gives_a_pid_or_a_product_url_error(url: str) -> None:
    _only_its_own_error(url)


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text(max_size=3), max_size=3)))
def test_any_non_text_value_gives_a_product_url_error(value: object) -> None:
    with pytest.raises(ProductUrlError):
        pid_from_url(value)  # type: ignore[arg-type]


NUMERIC_PIDS = st.from_regex(r"[0-9]{15,20}", fullmatch=True)
UUID_PIDS = st.uuids().map(str)  # lowercase, as a user may paste it


@settings(max_examples=300, deadline=None)
@given(pid=st.one_of(NUMERIC_PIDS, UUID_PIDS, UUID_PIDS.map(str.upper)), name=st.text(max_size=80))
def test_any_valid_current_url_round_trips_to_its_pid(pid: str, name: str) -> None:
    assert pid_from_url(product_url(pid, name)) == pid.upper()


@settings(max_examples=200, deadline=None)
@example(pid=NUMERIC, host="cjdropshipping.com", name="mugs/cups -p- 50% off?", query={}, fragment="top")
@given(
    pid=st.one_of(NUMERIC_PIDS, UUID_PIDS),
    host=st.sampled_from(["app.cjdropshipping.com", "cjdropshipping.com", "www.cjdropshipping.com"]),
    name=st.text(max_size=40),
    query=st.dictionaries(st.sampled_from(["from", "lang", "utm_source", "spm"]), st.text(max_size=10), max_size=3),
    fragment=st.text(max_size=10),
)
def test_any_valid_url_in_either_form_gives_the_same_pid(
    pid: str, host: str, name: str, query: dict[str, str], fragment: str
) -> None:
    from urllib.parse import quote, urlencode

    extra = urlencode(query)
    legacy = f"https://{host}/product-detail.html?{urlencode({'id': pid})}" + (f"&{extra}" if extra else "")
    current = (
        f"https://{host.removeprefix('app.')}/product/{quote(name, safe='')}-p-{pid}.html"
        + (f"?{extra}" if extra else "")
        + (f"#{quote(fragment)}" if fragment else "")
    )

    assert pid_from_url(legacy) == pid_from_url(current) == pid.upper()


CANONICALISH = st.builds(
    lambda host, slug, pid, suffix: f"https://{host}/product/{slug}-p-{pid}{suffix}",
    host=st.sampled_from(["cjdropshipping.com", "www.cjdropshipping.com", "app.cjdropshipping.com"]),
    slug=st.one_of(st.from_regex(r"[0-9a-z-]{0,20}", fullmatch=True), st.text(max_size=10)),
    pid=st.one_of(NUMERIC_PIDS, UUID_PIDS, UUID_PIDS.map(str.upper), PID_LIKE, st.just("p-" + NUMERIC)),
    suffix=st.sampled_from([".html", ".html", ".html?x=1", ".html#f", ".htm", "-p-.html", ".html "]),
)


def _outcome(parse: object, url: str) -> str:
    try:
        return parse(url)  # type: ignore[operator,no-any-return]
    except ProductUrlError:
        return "refused"


@settings(max_examples=500, deadline=None)
@given(st.one_of(CANONICALISH, URLISH))
def test_the_shortcut_for_canonical_urls_agrees_with_the_full_parse(url: str) -> None:
    from reconciler.models.product_url import _pid_from_parsed_url

    assert _outcome(pid_from_url, url) == _outcome(_pid_from_parsed_url, url)


def test_uuid_pid_is_canonical_whatever_case_it_came_in() -> None:
    for _ in range(20):
        u = str(uuid.uuid4())
        assert pid_from_url(product_url(u)) == pid_from_url(product_url(u.upper())) == u.upper()
