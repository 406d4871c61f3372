"""CJ's endpoints as typed Python calls, on top of the transport in ``cj_http``.

:class:`CjAuth` holds the authentication calls (no access token needed); :class:`CjApi`
holds the calls that need one and gets it from a token source, renewing it once when CJ
says it is invalid (1600001). Answers are parsed into the types of
``reconciler.models.cj``; an answer of the wrong shape is an ApiError naming the call and
the field, never a KeyError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from reconciler.adapters.cj_http import SOURCING_CREATE, CjHttp, Envelope, answer_lost
from reconciler.errors import ApiError, InvalidTokenError, OutcomeUnknownError, TransientApiError
from reconciler.models.cj import AccountSettings, MyProduct, ProductDetail, TokenPair, Variant
from reconciler.models.cj_limits import MAX_PAGES, MY_PRODUCTS_PAGE_SIZE, QUERY_BATCH, SUBSCRIPTION_BATCH
from reconciler.models.desired import WEBHOOK_TOPICS, WebhookSetting
from reconciler.models.markets import FreightAnswer, FreightOption, parse_aging, parse_price
from reconciler.models.secret import Secret
from reconciler.models.sourcing import SourcingStatus
from reconciler.safe_text import http_url

MAX_RENEWALS = 2  # refresh once, then re-authenticate once


class TokenSource(Protocol):
    """Gives the access token to use, and renews it when CJ rejects it."""

    def access_token(self) -> Secret:
        """A usable access token."""
        ...

    def renew_after_rejection(self, rejected: Secret) -> Secret:
        """CJ rejected ``rejected`` (1600001): refresh or re-authenticate, and return the new token."""
        ...


class CjAuth:
    """getAccessToken, refreshAccessToken and logout."""

    def __init__(self, http: CjHttp) -> None:
        self.http = http

    def get_access_token(self, api_key: Secret) -> TokenPair:
        """Authenticate with the API key (CJ allows this once per 300 s)."""
        call = "POST /authentication/getAccessToken"
        env = self.http.call(
            "POST", "/authentication/getAccessToken", body={"apiKey": api_key.reveal()}, retry_transient=False
        )
        return parse_token_pair(env, call=call)

    def refresh(self, refresh_token: Secret) -> TokenPair:
        """Trade the refresh token for a new pair."""
        call = "POST /authentication/refreshAccessToken"
        env = self.http.call(
            "POST", "/authentication/refreshAccessToken", body={"refreshToken": refresh_token.reveal()}
        )
        return parse_token_pair(env, call=call)

    def logout(self, access_token: Secret) -> None:
        """Revoke both tokens at CJ."""
        self.http.call("POST", "/authentication/logout", token=access_token)

    def account_settings(self, access_token: Secret) -> AccountSettings:
        """``GET /setting/get`` with a given token: whose account does it open?"""
        env = self.http.call("GET", "/setting/get", token=access_token)
        return parse_account_settings(env.data, call="GET /setting/get")


class CjApi:
    """The account calls cjrec makes, each with a valid access token."""

    def __init__(self, http: CjHttp, tokens: TokenSource) -> None:
        self.http = http
        self.tokens = tokens

    def _authed(self, method: str, path: str, **kwargs: Any) -> Envelope:
        """Call with the current token; on 1600001 renew (refresh, then re-authenticate) and retry."""
        token = self.tokens.access_token()
        for _ in range(MAX_RENEWALS):
            try:
                return self.http.call(method, path, token=token, **kwargs)
            except InvalidTokenError:
                token = self.tokens.renew_after_rejection(token)
        try:
            return self.http.call(method, path, token=token, **kwargs)
        except InvalidTokenError as exc:
            raise InvalidTokenError(
                "CJ rejected a freshly issued access token",
                call=exc.call,
                code=exc.code,
                request_id=exc.request_id,
                hint="run `cjrec token refresh`; if it persists, check the account at CJ",
            ) from None

    def account_settings(self) -> AccountSettings:
        """``GET /setting/get`` (free)."""
        return parse_account_settings(self._authed("GET", "/setting/get").data, call="GET /setting/get")

    def product_detail(self, pid: str) -> ProductDetail:
        """``GET /product/query`` with inventories (10 points)."""
        env = self._authed("GET", "/product/query", params={"pid": pid, "features": "enable_inventory"})
        return parse_product_detail(env.data, call=f"GET /product/query?pid={pid}")

    def add_to_my_products(self, pid: str) -> bool:
        """``POST /product/addToMyProduct`` (free). True if added now, False if it was there already."""
        env = self._authed("POST", "/product/addToMyProduct", body={"productId": pid})
        return not env.duplicate

    def webhook_settings(self) -> dict[str, WebhookSetting]:
        """The callback of every topic, from ``setting/get`` (free)."""
        env = self._authed("GET", "/setting/get")
        data = _mapping(env.data, "GET /setting/get", "data")
        return parse_callbacks(data.get("callback"), call="GET /setting/get")

    def set_webhooks(self, settings: dict[str, WebhookSetting]) -> None:
        """``POST /webhook/set`` for the given topics (free)."""
        body = {
            topic: {"type": "ENABLE", "callbackUrls": [setting.url]}
            if setting.enabled
            else {"type": "CANCEL", "callbackUrls": []}
            for topic, setting in sorted(settings.items())
        }
        self._authed("POST", "/webhook/set", body=body)

    def product_subscriptions(self) -> frozenset[str]:
        """Every pid with product event subscriptions, all pages (free)."""
        found: set[str] = set()
        page = 1
        while page <= MAX_PAGES:
            call = f"GET /webhook/product/subscribe/list?pageNum={page}"
            env = self._authed(
                "GET", "/webhook/product/subscribe/list", params={"pageNum": page, "pageSize": MY_PRODUCTS_PAGE_SIZE}
            )
            data = env.data
            rows = data.get("content") if isinstance(data, dict) else data
            if not isinstance(rows, list):
                raise _shape(call, "data.content", "a list")
            for i, row in enumerate(rows):
                found.add(_id(row.get("productId") if isinstance(row, dict) else row, call, f"data.content[{i}]"))
            total = data.get("totalPages") if isinstance(data, dict) else None
            if not isinstance(total, int) or page >= total or not rows:
                break
            page += 1
        return frozenset(found)

    def subscribe_products(self, pids: list[str]) -> None:
        """``POST /webhook/product/subscribe`` for at most 100 pids (10 points)."""
        self._authed("POST", "/webhook/product/subscribe", body={"productIds": _batch(pids)})

    def unsubscribe_products(self, pids: list[str]) -> None:
        """``POST /webhook/product/unsubscribe`` for at most 100 pids (10 points)."""
        self._authed("POST", "/webhook/product/unsubscribe", body={"productIds": _batch(pids)})

    def my_products(self) -> list[MyProduct]:
        """Every product in My Products, all pages (free)."""
        return list(self.iter_my_products())

    def iter_my_products(self) -> Iterator[MyProduct]:
        """My Products page by page, stopping at ``totalPages``."""
        page = 1
        while page <= MAX_PAGES:
            call = f"GET /product/myProduct/query?pageNum={page}"
            env = self._authed(
                "GET", "/product/myProduct/query", params={"pageNum": page, "pageSize": MY_PRODUCTS_PAGE_SIZE}
            )
            data = _mapping(env.data, call, "data")
            rows = data.get("content") or []
            if not isinstance(rows, list):
                raise _shape(call, "data.content", "a list")
            for i, row in enumerate(rows):
                yield parse_my_product(_mapping(row, call, f"data.content[{i}]"), call=call)
            total_pages = data.get("totalPages")
            if not isinstance(total_pages, int) or page >= total_pages or not rows:
                return
            page += 1

    def create_sourcing(self, body: dict[str, Any]) -> str:
        """``POST /product/sourcing/create`` (free): file a sourcing request, return CJ's ``cjSourcingId``.

        Never repeated when its answer is lost (CJ has no idempotency key): that, and a
        success whose id cannot be read, raise :class:`OutcomeUnknownError` — CJ may have
        filed it. The daily limit raises :class:`~reconciler.errors.SourcingLimitError`.
        """
        call = f"POST {SOURCING_CREATE}"
        try:
            env = self._authed("POST", SOURCING_CREATE, body=body, retry_lost=False)
        except TransientApiError as exc:
            if not answer_lost(exc):
                raise
            raise OutcomeUnknownError(
                f"the answer to a sourcing request was lost ({exc.message}): CJ may have filed it",
                call=call,
                code=exc.code,
                http_status=exc.http_status,
                request_id=exc.request_id,
                hint="the next plan says how to settle it; cjrec will not file this URL again by itself",
            ) from None
        data = env.data.get("cjSourcingId") if isinstance(env.data, dict) else None
        if isinstance(data, int) and not isinstance(data, bool):
            return str(data)
        if isinstance(data, str) and data.strip():
            return data.strip()
        raise OutcomeUnknownError(
            "CJ accepted a sourcing request but its answer has no readable data.cjSourcingId",
            call=call,
            request_id=env.request_id,
            hint="the next plan says how to settle it; cjrec will not file this URL again by itself",
        )

    def sourcing_status(self, source_ids: list[str]) -> tuple[dict[str, SourcingStatus], list[str]]:
        """``GET /product/sourcing/queryList`` for 1 to 100 ids (free).

        Returns the rows CJ sent, by id, and what could not be read in its answer (a row
        that is not an object or has no sourceId); an answer that is not a list at all is an
        ApiError naming the field.
        """
        if not source_ids or len(source_ids) > QUERY_BATCH:
            raise ValueError(f"queryList takes 1 to {QUERY_BATCH} ids, not {len(source_ids)}")
        call = "GET /product/sourcing/queryList"
        env = self._authed("GET", "/product/sourcing/queryList", params={"sourceIds": list(source_ids)})
        rows = env.data
        if isinstance(rows, dict):  # some CJ list answers wrap the rows
            rows = rows.get("list", rows.get("content"))
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise _shape(call, "data", "a list of sourcing requests")
        found: dict[str, SourcingStatus] = {}
        problems: list[str] = []
        for i, row in enumerate(rows):
            parsed = parse_sourcing_row(row)
            if isinstance(parsed, str):
                problems.append(f"data[{i}] {parsed}")
            else:
                found[parsed.source_id] = parsed
        return found, problems

    def freight_quote(self, origin: str, destination: str, vid: str, *, quantity: int = 1) -> FreightAnswer:
        """``POST /logistic/freightCalculate`` for one variant (10 points): the options CJ quotes.

        An empty answer (an origin without stock, as CJ may answer) gives no options; options
        with an unreadable price or aging are left out and named in ``problems``.
        """
        body = {
            "startCountryCode": origin,
            "endCountryCode": destination,
            "products": [{"quantity": quantity, "vid": vid}],
        }
        env = self._authed("POST", "/logistic/freightCalculate", body=body)
        rows = env.data
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            return FreightAnswer(origin, (), (f"CJ's answer from {origin} is not a list of options",))
        options: list[FreightOption] = []
        problems: list[str] = []
        for i, row in enumerate(rows):
            parsed = parse_freight_row(origin, row)
            if isinstance(parsed, str):
                problems.append(f"option {i + 1} from {origin} {parsed}")
            else:
                options.append(parsed)
        return FreightAnswer(origin, tuple(options), tuple(problems))


def parse_sourcing_row(row: object) -> SourcingStatus | str:
    """One queryList row, or what is wrong with it. Numbers for ids and statuses are read as text."""
    if not isinstance(row, dict):
        return "is not an object"
    source_id = _text_or_none(row.get("sourceId"))
    if source_id is None:
        return "has no sourceId"
    status = _text_or_none(row.get("sourceStatus")) or ""
    return SourcingStatus(
        source_id=source_id,
        status=status,
        status_text=_text_or_none(row.get("sourceStatusStr")) or "",
        number=_text_or_none(row.get("sourceNumber")),
        cj_product_id=_text_or_none(row.get("cjProductId")),
        cj_variant_sku=_text_or_none(row.get("cjVariantSku")),
        fail_reason=_text_or_none(row.get("failReasonStr")) or _text_or_none(row.get("failReason")),
    )


def parse_freight_row(origin: str, row: object) -> FreightOption | str:
    """One freightCalculate option, or what is wrong with it."""
    if not isinstance(row, dict):
        return "is not an object"
    name = _text_or_none(row.get("logisticName"))
    if name is None:
        return "has no logisticName"
    price = parse_price(row.get("logisticPrice"))
    if price is None:
        return f"({name}) has no readable logisticPrice ({str(row.get('logisticPrice'))[:20]!r})"
    aging = parse_aging(str(row.get("logisticAging") or ""))
    if aging is None:
        return f"({name}) has no readable logisticAging ({str(row.get('logisticAging'))[:20]!r})"
    return FreightOption(origin=origin, name=name, price=price, min_days=aging[0], max_days=aging[1])


def _text_or_none(value: object) -> str | None:
    """A string or whole number as text; None for null, empty, booleans and anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def parse_callbacks(raw: object, *, call: str) -> dict[str, WebhookSetting]:
    """``callback`` of ``setting/get``: ``<topic>Type``/``<topic>CallbackUrls``, or ``{topic: {type, callbackUrls}}``."""
    result: dict[str, WebhookSetting] = {}
    source = raw if isinstance(raw, dict) else {}
    for topic in WEBHOOK_TOPICS:
        nested = source.get(topic)
        if isinstance(nested, dict):
            kind, urls = nested.get("type"), nested.get("callbackUrls")
        else:
            kind, urls = source.get(f"{topic}Type"), source.get(f"{topic}CallbackUrls")
        url_list = [str(u) for u in urls] if isinstance(urls, list) else []
        enabled = str(kind or "").upper() == "ENABLE"
        result[topic] = WebhookSetting(enabled=enabled, url=url_list[0] if enabled and url_list else None)
    return result


def parse_account_settings(raw: object, *, call: str) -> AccountSettings:
    """Read ``/setting/get``'s data."""
    data = _mapping(raw, call, "data")
    setting = data.get("setting")
    qps = setting.get("qpsLimit") if isinstance(setting, dict) else None
    sandbox = data.get("isSandbox")
    return AccountSettings(
        open_id=_id(data.get("openId"), call, "data.openId"),
        open_name=str(data.get("openName") or ""),
        open_email=str(data.get("openEmail") or ""),
        qps_limit=float(qps) if isinstance(qps, int | float) and not isinstance(qps, bool) else None,
        is_sandbox=sandbox if isinstance(sandbox, bool) else None,
    )


def parse_token_pair(env: Envelope, *, call: str) -> TokenPair:
    """Read a token pair, keeping openId as a string and the expiry dates CJ returned."""
    data = _mapping(env.data, call, "data")
    access = data.get("accessToken")
    if not isinstance(access, str) or not access:
        raise _shape(call, "data.accessToken", "a token")
    refresh = data.get("refreshToken")
    open_id = data.get("openId")
    return TokenPair(
        access_token=Secret(access),
        access_token_expiry=parse_cj_datetime(data.get("accessTokenExpiryDate"), call, "data.accessTokenExpiryDate"),
        refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
        refresh_token_expiry=(
            parse_cj_datetime(data.get("refreshTokenExpiryDate"), call, "data.refreshTokenExpiryDate")
            if data.get("refreshTokenExpiryDate") is not None
            else None
        ),
        open_id=_id(open_id, call, "data.openId") if open_id is not None else None,
        created=parse_cj_datetime(data["createDate"], call, "data.createDate") if data.get("createDate") else None,
    )


def parse_cj_datetime(value: object, call: str, where: str) -> datetime:
    """CJ's ISO-8601 dates with an offset (``2026-12-11T09:16:33+08:00``); naive dates are refused."""
    if not isinstance(value, str):
        raise _shape(call, where, "an ISO-8601 date")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _shape(call, where, "an ISO-8601 date") from None
    if parsed.tzinfo is None:
        raise _shape(call, where, "a date with a UTC offset")
    return parsed


def parse_product_detail(raw: object, *, call: str) -> ProductDetail:
    """Read ``/product/query``'s data."""
    data = _mapping(raw, call, "data")
    variants = []
    dropped: list[tuple[str, str]] = []

    def image(value: object, where: str) -> str | None:
        """An image URL CJ sent, kept only when it is http(s): it reaches exports and stores."""
        if not value:
            return None
        kept = http_url(value)
        if kept is None:
            dropped.append((where, str(value)))
        return kept

    raw_variants = data.get("variants") or []
    if not isinstance(raw_variants, list):
        raise _shape(call, "data.variants", "a list")
    for i, item in enumerate(raw_variants):
        v = _mapping(item, call, f"data.variants[{i}]")
        variants.append(
            Variant(
                vid=_id(v.get("vid"), call, f"data.variants[{i}].vid"),
                sku=str(v.get("variantSku") or ""),
                key=str(v.get("variantKey") or ""),
                price=_decimal(v.get("variantSellPrice")),
                stock=_stock(v.get("inventories")),
                image=image(v.get("variantImage"), f"variants[{i}].variantImage"),
                weight=_decimal(v.get("variantWeight")),
                stock_countries=_stock_countries(v.get("inventories")),
            )
        )
    version = data.get("customizationVersion") or 0
    return ProductDetail(
        pid=_id(data.get("pid"), call, "data.pid"),
        name=_plain_name(data.get("productNameEn") or data.get("productName") or ""),
        sku=str(data.get("productSku") or ""),
        sell_price=str(data.get("sellPrice") or ""),
        status=str(data.get("status") or ""),
        customization_version=int(version) if isinstance(version, int | str) and str(version).isdigit() else 0,
        image=image(data.get("productImage"), "productImage"),
        variants=tuple(variants),
        option_names=(str(data["productKeyEn"]).strip() or None) if data.get("productKeyEn") else None,
        dropped_images=tuple(dropped),
    )


def parse_my_product(row: dict[str, Any], *, call: str) -> MyProduct:
    """Read one row of My Products."""
    created = row.get("createAt")
    return MyProduct(
        pid=_id(row.get("productId"), call, "productId"),
        name=_plain_name(row.get("nameEn") or ""),
        sku=str(row.get("sku") or ""),
        sell_price=str(row.get("sellPrice") or ""),
        created_ms=created if isinstance(created, int) else None,
    )


def _plain_name(value: object) -> str:
    """CJ sometimes sends a JSON array serialised into a string: take its first entry."""
    text = str(value)
    if text.startswith("["):
        try:
            items = json.loads(text)
        except (ValueError, RecursionError):
            return text
        if isinstance(items, list) and items:
            return str(items[0])
    return text


def _batch(pids: list[str]) -> list[str]:
    if not pids or len(pids) > SUBSCRIPTION_BATCH:
        raise ValueError(f"subscriptions change 1 to {SUBSCRIPTION_BATCH} products per call, not {len(pids)}")
    return list(pids)


def _mapping(value: object, call: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _shape(call, where, "an object")
    return value


def _id(value: object, call: str, where: str) -> str:
    """Ids are strings; numbers are converted exactly (never through float)."""
    if isinstance(value, bool) or value is None:
        raise _shape(call, where, "an id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _shape(call, where, "an id")


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _stock(value: object) -> int | None:
    if not isinstance(value, list):
        return None
    total = 0
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("totalInventory"), int):
            total += item["totalInventory"]
    return total


def _stock_countries(value: object) -> tuple[str, ...]:
    """The warehouse countries (``countryCode``) with units in stock, sorted."""
    if not isinstance(value, list):
        return ()
    found = {
        str(item["countryCode"]).upper()
        for item in value
        if isinstance(item, dict)
        and isinstance(item.get("countryCode"), str)
        and isinstance(item.get("totalInventory"), int)
        and item["totalInventory"] > 0
    }
    return tuple(sorted(found))


def _shape(call: str, where: str, expected: str) -> ApiError:
    return ApiError(
        f"unexpected answer from CJ: {where} is not {expected}",
        call=call,
        hint="CJ may have changed its API; run with --debug and report it",
    )
