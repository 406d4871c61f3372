"""Hypothesis throws random input at every parser of outside data: only cjrec's own errors come out.

* the manifest loader and validator: random bytes, and random documents built from the
  real vocabulary (kinds, fields, URLs, numbers, nesting, anchors) → diagnostics, never an
  exception; a share of the examples must make whole valid configurations (the test counts
  them), or the checks that run only on a valid parse would never be fuzzed;
* the state loader: random bytes, and valid states with one random part replaced → a
  validated state or a StateError; what it accepts, it writes back identically;
* the API envelope (``cj_http.interpret``): random status and body → an Envelope only for
  CJ's success, else an ApiError subclass;
* the API data parsers (``cj_answers.parse_*``) and the My Products pager → typed values or an ApiError.

The product-URL parser is fuzzed in tests/manifest/test_product_url_parsing.py.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.adapters.cj_answers import (
    parse_account_settings,
    parse_freight_row,
    parse_my_product,
    parse_product_detail,
    parse_sourcing_row,
    parse_token_pair,
)
from reconciler.adapters.cj_api import CjApi
from reconciler.adapters.cj_http import Envelope, interpret
from reconciler.adapters.image_files import inspect_image
from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.adapters.yaml_loader import load_file, parse_text
from reconciler.errors import ApiError, CjrecError, StateError
from reconciler.kinds.market.record import with_market
from reconciler.kinds.product.record import ProductRecord, with_product
from reconciler.kinds.sourcing.record import with_quota, with_request
from reconciler.manifest.validator import validate
from reconciler.models.markets import FreightOption, MarketQuote
from reconciler.models.product_url import product_url
from reconciler.models.secret import Secret
from reconciler.models.sourcing import SourcingQuota, SourcingRecord, SourcingStatus, third_product_id
from reconciler.models.state import SyncState
from tests import figures

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- values -------------------------------------------------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", "ENC[AES256_GCM,data:x]", "CJ1234567@api@0123456789abcdef0123", "2026-12-11T09:16:33+08:00"]
    ),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def paths_of(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path into a JSON-like value (the empty path is the value itself)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths_of(child, (*prefix, i))
    return found


# -- manifests ----------------------------------------------------------------------------
PIDS = ["1712345678901234567", "000B9312-456A-4D31-94BD-B083E2A198E8", "123", "mug"]
urls = st.one_of(
    st.sampled_from(PIDS).map(product_url),
    st.sampled_from(PIDS).map(lambda p: f"https://app.cjdropshipping.com/product-detail.html?id={p}"),
    st.text(max_size=40),
    st.sampled_from(["https://cdn.example.com/logo.png", "http://cdn.example.com/x", "javascript:1", "https://[::1"]),
)
FIELDS = [
    "apiVersion", "kind", "metadata", "name", "labels", "spec", "items", "productUrl", "logo", "qps", "pointsBudget",
    "file", "url", "publicUrl", "default", "email", "apiToken", "accessToken", "accessTokenExpiry", "refreshToken",
    "checkAccountEmail", "product", "stock", "enabled", "subscribeManagedProducts", "sops", "mac",
]  # fmt: skip
values = st.recursive(
    st.one_of(
        scalars,
        urls,
        st.sampled_from(["cjrec/v1", "cjrec/v2", "Credentials", "Logo", "Products", "Settings", "Webhooks", "Product"]),
        st.sampled_from(["logos/brand.png", "../../etc/passwd", "/dev/zero", "."]),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)


names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
valid_urls = st.sampled_from(PIDS[:2]).map(product_url)
plausible = st.one_of(
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("cjrec/v1"),
            "kind": st.just("Products"),
            "metadata": st.fixed_dictionaries({"name": names}),
            "spec": st.fixed_dictionaries(
                {
                    "items": st.lists(
                        st.fixed_dictionaries({"productUrl": valid_urls}, optional={"logo": names}),
                        max_size=3,
                        unique_by=lambda item: item["productUrl"],  # a product listed twice is refused
                    )
                }
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("cjrec/v1"),
            "kind": st.just("Settings"),
            "spec": st.fixed_dictionaries(
                {}, optional={"qps": st.floats(0.1, 10), "pointsBudget": st.integers(0, 10**6)}
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("cjrec/v1"),
            "kind": st.just("Logo"),
            "metadata": st.fixed_dictionaries({"name": names}),
            "spec": st.fixed_dictionaries(
                {"url": st.just("https://cdn.example.com/logo.png")}, optional={"default": st.booleans()}
            ),
        }
    ),
)


@st.composite
def plausible_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document, and half of the time one random part of it replaced."""
    doc: dict[str, Any] = draw(plausible)
    if draw(st.booleans()):
        where = draw(st.sampled_from(paths_of(doc)[1:]))
        parent: Any = doc
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = draw(values)
    return doc


@st.composite
def random_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A document that looks like a manifest: a real kind and apiVersion most of the time, random insides."""
    doc: dict[str, Any] = {
        "apiVersion": draw(st.sampled_from(["cjrec/v1", "cjrec/v1", "cjrec/v2", None])),
        "kind": draw(st.sampled_from(["Products", "Logo", "Settings", "Webhooks", "Credentials", "Thing", None])),
        "metadata": draw(st.one_of(st.fixed_dictionaries({"name": st.text(max_size=10)}), values)),
        "spec": draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"items": st.lists(st.fixed_dictionaries({"productUrl": urls}) | values, max_size=4)}
                ),
                st.dictionaries(st.sampled_from(FIELDS), values, max_size=5),
                values,
            )
        ),
    }
    for key in draw(st.lists(st.sampled_from(list(doc)), max_size=2)):
        doc.pop(key, None)
    return doc


# A Credentials document as sops leaves it, and what sops would decrypt it to: with it in
# front, random documents can make a whole valid configuration, so every check runs.
SEALED = {
    "apiVersion": "cjrec/v1",
    "kind": "Credentials",
    "metadata": {"name": "main"},
    "spec": {"email": "ENC[AES256_GCM,data:a,type:str]", "apiToken": "ENC[AES256_GCM,data:b,type:str]"},
    "sops": {"mac": "ENC[AES256_GCM,data:c,type:str]", "version": "3.11.0"},
}
OPENED = {
    **SEALED,
    "spec": {"email": "owner@example.com", "apiToken": "CJ7654321@api@0123456789abcdef0123456789abcdef"},
}


def validate_text(text: str, folder: Path, *, sealed: bool = False) -> bool:
    """Validate ``text`` as manifests/m.yaml; True when it made a configuration."""
    manifest = folder / "m.yaml"
    docs, problems = parse_text(text, file=manifest, display="m.yaml")
    plaintext = {(manifest, 0): OPENED} if sealed else {}
    result = validate(
        docs, plaintext=plaintext, secrets_checked=True, inspect_image=inspect_image, load_problems=problems
    )
    if result.desired is None:
        assert result.diagnostics, "refused without saying why"
        assert all(d.file in ("m.yaml", "(manifests)") for d in result.diagnostics)
    return result.desired is not None


def test_random_manifest_documents_give_diagnostics_never_an_exception() -> None:
    outcomes = {"valid": 0, "refused": 0}

    # mostly broken documents, with or without credentials; and a share of plausible documents
    # behind sealed credentials, so that whole configurations get through and are checked too
    manifests = st.tuples(
        st.lists(plausible_documents() | random_documents(), min_size=1, max_size=3), st.booleans()
    ) | st.tuples(st.lists(plausible, min_size=1, max_size=2), st.just(True))

    @FUZZ
    @given(manifests, st.booleans())
    def one(drawn: tuple[list[dict[str, Any]], bool], anchors: bool) -> None:
        docs, sealed = drawn
        text = yaml.safe_dump_all([SEALED, *docs] if sealed else docs, sort_keys=False, allow_unicode=True)
        if anchors:  # reuse one part through an anchor and alias
            text = text + "---\nx-shared: &shared {qps: 2}\nmore: *shared\n"
        with tempfile.TemporaryDirectory() as folder:
            outcomes["valid" if validate_text(text, Path(folder), sealed=sealed) else "refused"] += 1
        figures.add("fuzz_examples")

    one()
    # a fuzzer whose every example is refused never reaches the checks behind a valid parse
    # (cross-document references, the configuration as a whole)
    assert outcomes["valid"] >= 10, outcomes
    assert outcomes["refused"] >= 10, outcomes


def test_a_sealed_credentials_document_and_settings_make_a_valid_configuration() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings_doc = {"apiVersion": "cjrec/v1", "kind": "Settings", "spec": {"qps": 2}}
        assert validate_text(yaml.safe_dump_all([SEALED, settings_doc]), Path(folder), sealed=True)


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=300).map(str.encode))
def test_random_bytes_as_a_manifest_give_diagnostics_never_an_exception(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.yaml"
        path.write_bytes(data)
        docs, problems = load_file(path)
        result = validate(
            docs, plaintext={}, secrets_checked=False, inspect_image=inspect_image, load_problems=problems
        )
        assert result.desired is not None or result.diagnostics
    figures.add("fuzz_examples")


# -- state ----------------------------------------------------------------------------------
def valid_state() -> dict[str, Any]:
    state = SyncState(lineage="0b0e6b8e-63a5-4c1e-9a55-2a1f5a0b1e11", serial=3)
    for pid in ("1712345678901234567", "000B9312-456A-4D31-94BD-B083E2A198E8"):
        state = with_product(state, ProductRecord(pid=pid, url=product_url(pid), origin="added", snapshot=None))
    lamp = "https://www.aliexpress.com/item/1.html"
    state = with_request(
        state, SourcingRecord(lamp, "open", "sha256:ab", third_product_id(lamp), "1890000000000000001", request={"a": 1})
    )
    state = with_quota(state, SourcingQuota("2026-03-01", 2))
    option = FreightOption("CN", "CJPacket Ordinary", Decimal("3.10"), 7, 12)
    quote = MarketQuote("US", "v1", ("CN",), (option,), option, "2026-03-01T12:00:00+00:00", ("note",))
    state = with_market(state, "US", {"1712345678901234567": quote})
    data: dict[str, Any] = json.loads(render_state(state))
    return data


def parse_state(raw: bytes) -> None:
    store = LocalStateStore(Path("/nonexistent/state"))
    try:
        state = store.parse(raw)
    except StateError:
        return
    assert store.parse(render_state(state)) == state  # what it accepts, it writes back and reads again


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_as_the_state_are_refused_with_a_state_error(raw: bytes) -> None:
    parse_state(raw)
    figures.add("fuzz_examples")


@FUZZ
@given(st.data())
def test_a_state_with_one_random_part_replaced_is_validated_or_refused(data: st.DataObject) -> None:
    state = valid_state()
    where = data.draw(st.sampled_from(paths_of(state)))
    replacement = data.draw(json_values | scalars.filter(lambda v: not isinstance(v, float)))
    if where == ():
        state = replacement  # type: ignore[assignment]
    else:
        parent: Any = state
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = replacement
    parse_state(json.dumps(state).encode())
    figures.add("fuzz_examples")


# -- the API ------------------------------------------------------------------------------
CODES = [
    200,
    0,
    1600000,
    1600001,
    1600002,
    1600003,
    1600005,
    1600100,
    1600200,
    1600201,
    1600300,
    1602001,
    16900500,
    429,
    "200",
    None,
]
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "code": st.sampled_from(CODES) | st.integers(),
        "result": st.sampled_from([True, False, None, "true", 1]),
        "success": st.sampled_from([True, False, None]),
        "message": st.sampled_from(["", "Success", "System busy", "The product has been added to My Products.", "Insufficient API points, 300 seconds"]) | st.text(max_size=20),
        "data": json_values,
        "requestId": st.text(max_size=10) | st.integers(),
    },
)  # fmt: skip
bodies = st.one_of(
    envelopes.map(lambda e: json.dumps(e).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b"[" * 5000, b"null", b"[]", b'"ok"']),
)
statuses = st.sampled_from([200, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503]) | st.integers(100, 599)


@FUZZ
@given(statuses, bodies)
def test_any_answer_is_an_envelope_for_success_or_an_api_error(status: int, body: bytes) -> None:
    try:
        envelope = interpret(status, body, call="GET /fuzz")
    except ApiError as exc:
        error = str(exc)
    else:
        error = None
    if error is not None:
        assert "GET /fuzz" in error  # the message names the call
        figures.add("fuzz_examples")
        return
    payload = json.loads(body)
    if envelope.duplicate:
        assert payload["code"] == 1600000
    else:
        assert status == 200 and payload.get("code") in (200, 0)
        assert payload.get("result") is True or payload.get("success") is True
        assert payload.get("result") is not False and payload.get("success") is not False
    figures.add("fuzz_examples")


data_shapes = json_values | st.fixed_dictionaries(
    {},
    optional={
        "pid": st.sampled_from(PIDS) | scalars,
        "openId": st.integers(0, 2**64) | scalars,
        "openEmail": scalars,
        "setting": json_values,
        "accessToken": st.text(max_size=10) | scalars,
        "refreshToken": scalars,
        "accessTokenExpiryDate": st.sampled_from(["2026-12-11T09:16:33+08:00", "2026-12-11T09:16:33", "soon"]) | scalars,
        "refreshTokenExpiryDate": scalars,
        "createDate": scalars,
        "variants": st.lists(st.dictionaries(st.sampled_from(["vid", "variantSku", "variantSellPrice", "inventories"]), scalars | json_values)) | scalars,
        "customizationVersion": scalars,
        "productNameEn": scalars | st.just("[" * 3000),
        "productId": st.sampled_from(PIDS) | scalars,
        "createAt": scalars,
    },
)  # fmt: skip


@FUZZ
@given(data_shapes)
def test_api_data_of_any_shape_parses_or_is_an_api_error(data: object) -> None:
    assert isinstance(parse_sourcing_row(data), SourcingStatus | str)
    assert isinstance(parse_freight_row("CN", data), FreightOption | str)
    for parse in (
        lambda: parse_account_settings(data, call="c"),
        lambda: parse_token_pair(Envelope(200, "", data, None), call="c"),
        lambda: parse_product_detail(data, call="c"),
        lambda: parse_my_product(data if isinstance(data, dict) else {"productId": data}, call="c"),
    ):
        with contextlib.suppress(ApiError):
            parse()
    figures.add("fuzz_examples")


class CannedPages:
    """A CjHttp stand-in answering every My Products page with the same random data."""

    def __init__(self, data: object) -> None:
        self.data = data
        self.calls = 0

    def call(self, method: str, path: str, **kwargs: object) -> Envelope:
        self.calls += 1
        return Envelope(200, "", self.data, None)


class OneToken:
    def access_token(self) -> Secret:
        return Secret("t")

    def renew_after_rejection(self, rejected: Secret) -> Secret:
        return rejected


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "content": st.lists(st.fixed_dictionaries({}, optional={"productId": st.sampled_from(PIDS) | scalars, "nameEn": scalars})) | scalars,
            "totalPages": st.integers(-1, 4) | scalars,
        },
    )
    | json_values
)  # fmt: skip
def test_any_my_products_page_is_read_or_is_an_api_error_and_paging_ends(page: object) -> None:
    http = CannedPages(page)
    try:
        CjApi(http, OneToken()).my_products()  # type: ignore[arg-type]
    except CjrecError as exc:
        escaped: CjrecError | None = exc
    else:
        escaped = None
    assert escaped is None or isinstance(escaped, ApiError)
    assert http.calls <= 5
    figures.add("fuzz_examples")
