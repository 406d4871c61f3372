"""CJ's endpoints as typed Python calls, on top of the transport in ``cj_http``.

:class:`CjAuth` holds the authentication calls (no access token needed); :class:`CjApi`
holds the calls that need one and gets it from a token source, renewing it once when CJ
says it is invalid (1600001). What CJ answers is read by the pure parsers of
``cj_answers`` (an answer of the wrong shape is an ApiError naming the call and the field);
page and batch sizes come from CJ's table in ``reconciler.models.cj_limits``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from reconciler.adapters.cj_answers import (
    parse_account_settings,
    parse_freight_answer,
    parse_my_products_page,
    parse_product_detail,
    parse_shops_page,
    parse_sourcing_id,
    parse_sourcing_rows,
    parse_subscriptions_page,
    parse_token_pair,
    parse_webhook_settings,
)
from reconciler.adapters.cj_http import SOURCING_CREATE, CjHttp, Envelope, answer_lost
from reconciler.errors import ApiError, InvalidTokenError, OutcomeUnknownError, TransientApiError
from reconciler.models.cj import AccountSettings, MyProduct, ProductDetail, TokenPair
from reconciler.models.cj_limits import MAX_PAGES, MY_PRODUCTS_PAGE_SIZE, QUERY_BATCH, SUBSCRIPTION_BATCH
from reconciler.models.desired import WebhookSetting
from reconciler.models.markets import FreightAnswer
from reconciler.models.secret import Secret
from reconciler.models.sourcing import SourcingStatus

MAX_RENEWALS = 2  # refresh once, then re-authenticate once
# The two ways CJ is asked where sourcing requests stand, in the order tried first: queryList
# (cjrec's, the sheet says the POST route is deprecated [UNCERTAIN]) and the POST route CJ's own
# client uses. When CJ answers "interface not found" to one, the other is asked and kept.
SOURCING_ROUTES = (("GET", "/product/sourcing/queryList"), ("POST", "/product/sourcing/query"))
INTERFACE_NOT_FOUND = 1600101


def interface_missing(error: ApiError) -> bool:
    """True when CJ says the route itself does not exist (1600101, or HTTP 404), not that the call was bad."""
    return error.code == INTERFACE_NOT_FOUND or (error.code is None and error.http_status == 404)
SHOP_PAGE_SIZE = 50  # shop/getShops takes at most 50 a page


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
        self.sourcing_route = SOURCING_ROUTES[0]  # the one that last answered

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

    def cj_shops(self) -> tuple[tuple[str, str, str], ...]:
        """The stores authorised to the account, (id, name, type), all pages of ``shop/getShops`` (free)."""
        found: list[tuple[str, str, str]] = []
        page = 1
        while page <= MAX_PAGES:
            env = self._authed("GET", "/shop/getShops", params={"pageNum": page, "pageSize": SHOP_PAGE_SIZE})
            listed = parse_shops_page(env.data, call=f"GET /shop/getShops?pageNum={page}")
            new = [shop for shop in listed.rows if shop not in found]
            found.extend(new)
            if listed.is_last(page) or not new:
                break
            page += 1
        return tuple(found)

    def webhook_settings(self) -> dict[str, WebhookSetting]:
        """The callback of every topic, from ``setting/get`` (free)."""
        return parse_webhook_settings(self._authed("GET", "/setting/get").data, call="GET /setting/get")

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
            listed = parse_subscriptions_page(env.data, call=call)
            found.update(listed.rows)
            if listed.is_last(page):
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
        """My Products page by page, stopping at ``totalPages``, or at a page that repeats only
        products already listed (an answer that says more pages than it has, or repeats itself)."""
        page = 1
        seen: set[str] = set()
        while page <= MAX_PAGES:
            call = f"GET /product/myProduct/query?pageNum={page}"
            env = self._authed(
                "GET", "/product/myProduct/query", params={"pageNum": page, "pageSize": MY_PRODUCTS_PAGE_SIZE}
            )
            listed = parse_my_products_page(env.data, call=call)
            yield from listed.rows
            fresh = {row.pid for row in listed.rows} - seen
            if listed.is_last(page) or not fresh:
                return
            seen |= fresh
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
        source_id = parse_sourcing_id(env.data)
        if source_id is not None:
            return source_id
        raise OutcomeUnknownError(
            "CJ accepted a sourcing request but its answer has no readable data.cjSourcingId",
            call=call,
            request_id=env.request_id,
            hint="the next plan says how to settle it; cjrec will not file this URL again by itself",
        )

    def sourcing_status(self, source_ids: list[str]) -> tuple[dict[str, SourcingStatus], list[str]]:
        """``GET /product/sourcing/queryList`` for 1 to 100 ids (free), or ``POST /product/sourcing/query``.

        The route that answered last is asked first; when CJ says it is not found (1600101 or
        HTTP 404), the other route is asked and remembered for the next batches. Returns the
        rows CJ sent, by id, and what could not be read in its answer (a row that is not an
        object or has no sourceId); an answer that is not a list at all is an ApiError naming
        the field.
        """
        if not source_ids or len(source_ids) > QUERY_BATCH:
            raise ValueError(f"queryList takes 1 to {QUERY_BATCH} ids, not {len(source_ids)}")
        first = self.sourcing_route
        routes = (first, *(route for route in SOURCING_ROUTES if route != first))
        for method, path in routes:
            try:
                env = self._sourcing_call(method, path, list(source_ids))
            except ApiError as exc:
                if not interface_missing(exc) or (method, path) == routes[-1]:
                    if interface_missing(exc):
                        raise ApiError(
                            "CJ answered \"interface not found\" to both ways of asking where sourcing requests "
                            f"stand ({' and '.join(f'{m} {p}' for m, p in SOURCING_ROUTES)})",
                            call=exc.call,
                            code=exc.code,
                            request_id=exc.request_id,
                            http_status=exc.http_status,
                            hint="check CJREC_API_URL and CJ's API documentation for the sourcing status call",
                        ) from None
                    raise
                continue
            self.sourcing_route = (method, path)
            return parse_sourcing_rows(env.data, call=f"{method} {path}")
        raise AssertionError("unreachable: the last route returns or raises")

    def _sourcing_call(self, method: str, path: str, ids: list[str]) -> Envelope:
        if method == "GET":
            return self._authed(method, path, params={"sourceIds": ids})
        return self._authed(method, path, body={"sourceIds": ids})

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
        return parse_freight_answer(origin, env.data)


def _batch(pids: list[str]) -> list[str]:
    if not pids or len(pids) > SUBSCRIPTION_BATCH:
        raise ValueError(f"subscriptions change 1 to {SUBSCRIPTION_BATCH} products per call, not {len(pids)}")
    return list(pids)
