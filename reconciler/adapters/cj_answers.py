"""CJ's answers read into typed values: pure functions of the JSON CJ sent, no I/O.

Called by the calls in ``cj_api`` with the ``data`` of CJ's envelope, and by the tests
that fuzz them. Each gives the types of ``reconciler.models.cj`` (and of the markets,
sourcing and webhook models), or raises an ApiError naming the call and the field when an
answer has the wrong shape, never a KeyError. Ids are kept as strings (numbers converted
exactly), dates must carry a UTC offset, and image URLs are kept only when they are http(s).
Rows of a list that can be read one by one (sourcing statuses, freight options) are read
one by one: a bad row is named, the others are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

from reconciler.errors import ApiError
from reconciler.models.cj import AccountSettings, CjConnection, MyProduct, ProductDetail, TokenPair, Variant
from reconciler.models.desired import WEBHOOK_TOPICS, WebhookSetting
from reconciler.models.markets import FreightAnswer, FreightOption, parse_aging, parse_price
from reconciler.models.secret import Secret
from reconciler.models.sourcing import SourcingStatus
from reconciler.safe_text import http_url


class Answer(Protocol):
    """A successful answer of CJ (the transport's ``Envelope``): its ``data`` is what the parsers read."""

    @property
    def data(self) -> Any: ...


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a paged list: its rows, read, and ``totalPages`` when CJ sent a number."""

    rows: tuple[T, ...]
    total_pages: int | None

    def is_last(self, page: int) -> bool:
        """No page after ``page``: CJ gave no page count, this is the last one, or it was empty."""
        return self.total_pages is None or page >= self.total_pages or not self.rows


def parse_my_products_page(raw: object, *, call: str) -> Page[MyProduct]:
    """One page of ``/product/myProduct/query``: its rows as :class:`MyProduct`."""
    data = _mapping(raw, call, "data")
    rows = data.get("content") or []
    if not isinstance(rows, list):
        raise _shape(call, "data.content", "a list")
    parsed = tuple(parse_my_product(_mapping(row, call, f"data.content[{i}]"), call=call) for i, row in enumerate(rows))
    total = data.get("totalPages")
    return Page(parsed, total if isinstance(total, int) else None)


def parse_subscriptions_page(raw: object, *, call: str) -> Page[str]:
    """One page of ``/webhook/product/subscribe/list``: the subscribed pids (rows or bare ids)."""
    rows = raw.get("content") if isinstance(raw, dict) else raw
    if not isinstance(rows, list):
        raise _shape(call, "data.content", "a list")
    pids = tuple(
        _id(row.get("productId") if isinstance(row, dict) else row, call, f"data.content[{i}]")
        for i, row in enumerate(rows)
    )
    total = raw.get("totalPages") if isinstance(raw, dict) else None
    return Page(pids, total if isinstance(total, int) else None)


def _list_rows(raw: object, call: str) -> list[object]:
    """The rows of a shop-side list page: ``data.list``, ``data.content`` or a bare list."""
    rows = None
    if isinstance(raw, dict):
        rows = raw.get("list") if raw.get("list") is not None else raw.get("content")
    elif isinstance(raw, list):
        rows = raw
    if not isinstance(rows, list):
        raise _shape(call, "data.list", "a list")
    return rows


def parse_shops_page(raw: object, *, call: str) -> Page[tuple[str, str, str]]:
    """One page of ``/shop/getShops``: (id, name, type) of each store authorised to the account.
    The rows' names are not documented: ``shopId``/``id``, ``shopName``/``name``, ``shopType``/``type``."""
    rows = _list_rows(raw, call)
    shops = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _shape(call, f"data.list[{i}]", "an object")
        shop_id = row.get("shopId", row.get("id"))
        if shop_id is None or isinstance(shop_id, bool) or not str(shop_id).strip():
            raise _shape(call, f"data.list[{i}].shopId", "an id")
        name = row.get("shopName", row.get("name"))
        kind = row.get("shopType", row.get("type"))
        shops.append((str(shop_id).strip(), str(name or "").strip(), str(kind or "").strip().lower()))
    total = raw.get("totalPages") if isinstance(raw, dict) else None
    return Page(tuple(shops), total if isinstance(total, int) else None)


def parse_connections_page(raw: object, *, call: str) -> Page[CjConnection]:
    """One page of ``GET /product/conn/connection``: each store variant connected to a CJ variant.
    The rows' names are not documented (../shared/store-apis.md §3): ``cjProductId``/``pid``,
    ``cjVariantId``/``vid``, ``platformProductId``, ``platformVariantId``, ``shopId``."""
    rows = _list_rows(raw, call)
    found = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _shape(call, f"data.list[{i}]", "an object")
        found.append(
            CjConnection(
                cj_pid=_id(row.get("cjProductId", row.get("pid")), call, f"data.list[{i}].cjProductId"),
                cj_vid=_id(row.get("cjVariantId", row.get("vid")), call, f"data.list[{i}].cjVariantId"),
                platform_product_id=_id(row.get("platformProductId"), call, f"data.list[{i}].platformProductId"),
                platform_variant_id=_id(row.get("platformVariantId"), call, f"data.list[{i}].platformVariantId"),
                shop_id=_id(row.get("shopId"), call, f"data.list[{i}].shopId"),
            )
        )
    total = raw.get("totalPages") if isinstance(raw, dict) else None
    return Page(tuple(found), total if isinstance(total, int) else None)


def parse_webhook_settings(raw: object, *, call: str) -> dict[str, WebhookSetting]:
    """The callback of every topic, from ``/setting/get``'s data."""
    data = _mapping(raw, call, "data")
    return parse_callbacks(data.get("callback"), call=call)


def parse_sourcing_id(raw: object) -> str | None:
    """``data.cjSourcingId`` of a sourcing create (a number or text), or None when it cannot be read."""
    value = raw.get("cjSourcingId") if isinstance(raw, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def parse_sourcing_rows(raw: object, *, call: str) -> tuple[dict[str, SourcingStatus], list[str]]:
    """``/product/sourcing/queryList``'s data: the rows by id, and what could not be read in it.

    An answer that is not a list at all (nor an object wrapping one) is an ApiError naming the field.
    """
    rows = raw
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


def parse_freight_answer(origin: str, raw: object) -> FreightAnswer:
    """``/logistic/freightCalculate``'s data for one origin: the options, and the ones left out and why.

    An empty answer gives no options; options with an unreadable price or aging are left
    out and named in ``problems``.
    """
    rows = raw
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


def parse_token_pair(env: Answer, *, call: str) -> TokenPair:
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
