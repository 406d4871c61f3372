"""Which token is used, when it is refreshed, and when cjrec re-authenticates (and when it refuses to)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import responses

from reconciler.adapters.cj_api import CjApi, CjAuth
from reconciler.adapters.cj_http import CjHttp
from reconciler.adapters.rate_limiter import RateLimiter
from reconciler.adapters.token_manager import TokenManager
from reconciler.adapters.token_store import CachedTokens
from reconciler.errors import AuthThrottledError, CredentialsError, InvalidTokenError, TransientApiError
from reconciler.models.cj import TokenPair
from reconciler.models.declared import Source
from reconciler.models.desired import Credentials, TokenOverride
from reconciler.models.secret import Secret
from tests.support.client_fakes import BASE, T0, FakeClock, MemoryTokenStore

API_KEY = Secret("CJ1@api@" + "a" * 32)
CN = "+08:00"


def iso(moment: datetime) -> str:
    return moment.astimezone(datetime.fromisoformat("2026-01-01T00:00:00" + CN).tzinfo).isoformat()


def creds(*, override: TokenOverride | None = None, email: str = "owner@example.com") -> Credentials:
    return Credentials(
        email=Secret(email),
        api_token=API_KEY,
        check_account_email=True,
        override=override,
        source=Source("manifests/credentials.sops.yaml", 1),
        file=Path("manifests/credentials.sops.yaml"),
    )


def pair_json(
    access: str, refresh: str, *, access_days: float = 15, refresh_days: float = 180, open_id: bool = True
) -> dict:
    data = {
        "accessToken": access,
        "accessTokenExpiryDate": iso(T0 + timedelta(days=access_days)),
        "refreshToken": refresh,
        "refreshTokenExpiryDate": iso(T0 + timedelta(days=refresh_days)),
        "createDate": iso(T0),
    }
    if open_id:
        data["openId"] = 1700000000000000001
    return {"code": 200, "result": True, "message": "Success", "data": data, "requestId": "r"}


def error_json(code: int, message: str = "error") -> dict:
    return {"code": code, "result": False, "message": message, "data": None, "requestId": "r"}


def cached(
    access: str = "cached-access",
    *,
    access_days: float = 10,
    refresh: str | None = "cached-refresh",
    last_auth: datetime | None = None,
    key: Secret = API_KEY,
) -> CachedTokens:
    return CachedTokens(
        api_key_fingerprint=key.fingerprint(),
        pair=TokenPair(
            Secret(access),
            T0 + timedelta(days=access_days),
            Secret(refresh) if refresh else None,
            T0 + timedelta(days=100) if refresh else None,
            "1700000000000000001",
        ),
        last_get_access_token_at=last_auth,
    )


def build(store: MemoryTokenStore, *, credentials: Credentials | None = None) -> tuple[TokenManager, CjApi, FakeClock]:
    clock = FakeClock()
    http = CjHttp(base_url=BASE, clock=clock, limiter=RateLimiter(qps=100, clock=clock), rng=random.Random(1))
    auth = CjAuth(http)
    manager = TokenManager(
        auth=auth, store=store, credentials=credentials or creds(), clock=clock, account_of=auth.account_settings
    )  # type: ignore[arg-type]
    return manager, CjApi(http, manager), clock


def settings_json(email: str = "owner@example.com") -> dict:
    return {
        "code": 200,
        "result": True,
        "message": "",
        "requestId": "r",
        "data": {"openId": 1700000000000000001, "openName": "o", "openEmail": email},
    }


def add_auth(access: str = "new-access", refresh: str = "new-refresh", *, email: str = "owner@example.com") -> None:
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=pair_json(access, refresh))
    responses.add(responses.GET, BASE + "/setting/get", json=settings_json(email))


def paths() -> list[str]:
    return [c.request.path_url.split("?")[0].replace("/api2.0/v1", "") for c in responses.calls]


@responses.activate
def test_no_cache_authenticates_with_the_api_key_checks_the_account_and_caches() -> None:
    store = MemoryTokenStore()
    manager, _, _ = build(store)
    add_auth()
    assert manager.access_token().reveal() == "new-access"
    assert paths() == ["/authentication/getAccessToken", "/setting/get"]
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"apiKey": API_KEY.reveal()}
    assert store.cached is not None and store.cached.pair is not None
    assert store.cached.pair.open_id == "1700000000000000001"  # a string, exactly
    assert store.cached.pair.access_token_expiry.utcoffset() == timedelta(hours=8)
    assert store.cached.last_get_access_token_at == T0


@responses.activate
def test_a_valid_cached_token_is_used_without_any_call() -> None:
    manager, _, _ = build(MemoryTokenStore(cached()))
    assert manager.access_token().reveal() == "cached-access"
    assert len(responses.calls) == 0


@responses.activate
def test_a_cached_token_inside_the_margin_is_refreshed_with_the_returned_expiry() -> None:
    store = MemoryTokenStore(cached(access_days=0.5))
    manager, _, _ = build(store)
    responses.add(
        responses.POST,
        BASE + "/authentication/refreshAccessToken",
        json=pair_json("refreshed", "refresh-2", access_days=180, open_id=False),
    )
    assert manager.access_token().reveal() == "refreshed"
    assert paths() == ["/authentication/refreshAccessToken"]
    assert json.loads(responses.calls[0].request.body) == {"refreshToken": "cached-refresh"}
    assert store.cached and store.cached.pair
    assert store.cached.pair.access_token_expiry == T0 + timedelta(days=180)  # CJ's date, not 15 days computed locally
    assert store.cached.pair.open_id == "1700000000000000001"  # kept from the cache


@responses.activate
def test_an_override_in_the_manifest_wins_while_it_is_not_expired() -> None:
    override = TokenOverride(Secret("override-access"), T0 + timedelta(hours=2), None, None)
    manager, _, _ = build(MemoryTokenStore(cached()), credentials=creds(override=override))
    assert manager.access_token().reveal() == "override-access"
    assert manager.status().source == "manifest override"


@responses.activate
def test_an_expired_override_falls_back_to_the_cache() -> None:
    override = TokenOverride(Secret("override-access"), T0 - timedelta(hours=2), None, None)
    manager, _, _ = build(MemoryTokenStore(cached()), credentials=creds(override=override))
    assert manager.access_token().reveal() == "cached-access"


@responses.activate
def test_an_invalid_refresh_token_leads_to_one_get_access_token() -> None:
    store = MemoryTokenStore(cached(access_days=-1))
    manager, _, _ = build(store)
    responses.add(
        responses.POST, BASE + "/authentication/refreshAccessToken", json=error_json(1600003, "Invalid refresh token")
    )
    add_auth()
    assert manager.access_token().reveal() == "new-access"
    assert paths() == ["/authentication/refreshAccessToken", "/authentication/getAccessToken", "/setting/get"]


@responses.activate
def test_a_rejected_token_is_refreshed_once_then_reauthenticated_once_then_the_call_fails() -> None:
    manager, api, _ = build(MemoryTokenStore(cached()))
    responses.add(responses.GET, BASE + "/setting/get", json=error_json(1600001, "Invalid token"))
    responses.add(
        responses.POST, BASE + "/authentication/refreshAccessToken", json=pair_json("r1", "rr1", open_id=False)
    )
    responses.add(responses.GET, BASE + "/setting/get", json=settings_json())
    api.account_settings()
    assert paths() == ["/setting/get", "/authentication/refreshAccessToken", "/setting/get"]
    assert manager.calls == ["refreshAccessToken"]


@responses.activate
def test_when_the_refreshed_token_is_also_rejected_cjrec_reauthenticates_once() -> None:
    manager, api, _ = build(MemoryTokenStore(cached()))
    responses.add(responses.GET, BASE + "/product/myProduct/query", json=error_json(1600001))
    responses.add(
        responses.POST, BASE + "/authentication/refreshAccessToken", json=pair_json("r1", "rr1", open_id=False)
    )
    responses.add(responses.GET, BASE + "/product/myProduct/query", json=error_json(1600001))
    add_auth("a2", "rr2")
    responses.add(
        responses.GET,
        BASE + "/product/myProduct/query",
        json={
            "code": 200,
            "result": True,
            "message": "",
            "requestId": "r",
            "data": {"pageNumber": 1, "totalPages": 1, "content": []},
        },
    )
    assert api.my_products() == []
    assert manager.calls == ["refreshAccessToken", "getAccessToken", "setting/get"]


@responses.activate
def test_a_token_rejected_after_reauthentication_fails_the_call() -> None:
    _, api, _ = build(MemoryTokenStore(cached()))
    responses.add(responses.GET, BASE + "/product/myProduct/query", json=error_json(1600001))
    responses.add(
        responses.POST, BASE + "/authentication/refreshAccessToken", json=pair_json("r1", "rr1", open_id=False)
    )
    add_auth("a2", "rr2")
    with pytest.raises(InvalidTokenError, match="freshly issued"):
        api.my_products()
    assert paths().count("/product/myProduct/query") == 3


@responses.activate
def test_get_access_token_is_never_called_twice_within_300_seconds() -> None:
    store = MemoryTokenStore(cached(access_days=-1, refresh=None, last_auth=T0 - timedelta(seconds=120)))
    manager, _, _ = build(store)
    with pytest.raises(AuthThrottledError) as info:
        manager.access_token()
    assert len(responses.calls) == 0
    assert "retry after" in (info.value.hint or "")
    assert "12:03:00" in (info.value.hint or "")


@responses.activate
def test_after_300_seconds_get_access_token_is_allowed_again() -> None:
    store = MemoryTokenStore(cached(access_days=-1, refresh=None, last_auth=T0 - timedelta(seconds=301)))
    manager, _, _ = build(store)
    add_auth()
    assert manager.access_token().reveal() == "new-access"


@responses.activate
def test_a_failed_get_access_token_still_counts_against_the_300_second_guard() -> None:
    store = MemoryTokenStore()
    manager, _, clock = build(store)
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=error_json(1600000, "System busy"))
    with pytest.raises(TransientApiError) as failed:  # getAccessToken is not retried (once per 300 s)
        manager.access_token()
    assert failed.value.code == 1600000 and "getAccessToken" in str(failed.value)
    assert store.cached is not None and store.cached.last_get_access_token_at == T0
    clock.advance(10)
    with pytest.raises(AuthThrottledError):
        build(store)[0].access_token()


@pytest.mark.parametrize("code", [1600004, 1600005, 1600006, 1600007, 1600008])
@responses.activate
def test_refused_credentials_stop_with_a_credentials_error(code: int) -> None:
    manager, _, _ = build(MemoryTokenStore())
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=error_json(code, "API key wrong"))
    with pytest.raises(CredentialsError) as info:
        manager.access_token()
    assert "apiToken" in (info.value.hint or "")
    assert len(responses.calls) == 1


@responses.activate
def test_a_token_for_another_account_is_refused_with_masked_emails() -> None:
    store = MemoryTokenStore()
    manager, _, _ = build(store)
    add_auth(email="someone.else@example.org")
    with pytest.raises(CredentialsError) as info:
        manager.access_token()
    message = info.value.message
    assert "s***@example.org" in message and "o***@example.com" in message
    assert "someone.else" not in message and "owner@" not in message
    assert store.cached is not None and store.cached.pair is None  # the foreign token is not cached


@responses.activate
def test_the_account_check_can_be_turned_off_in_the_manifest() -> None:
    c = creds()
    c = Credentials(c.email, c.api_token, False, None, c.source, c.file)
    manager, _, _ = build(MemoryTokenStore(), credentials=c)
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=pair_json("a", "r"))
    manager.access_token()
    assert paths() == ["/authentication/getAccessToken"]


@responses.activate
def test_a_cache_made_with_another_api_key_is_discarded() -> None:
    store = MemoryTokenStore(cached(key=Secret("CJ9@api@" + "b" * 32)))
    manager, _, _ = build(store)
    assert manager.status().source is None
    assert "another API key" in (manager.status().discarded_reason or "")
    add_auth()
    assert manager.access_token().reveal() == "new-access"


@responses.activate
def test_logout_asks_cj_to_revoke_the_cached_token_and_clears_the_cache() -> None:
    store = MemoryTokenStore(cached())
    manager, _, _ = build(store)
    responses.add(
        responses.POST,
        BASE + "/authentication/logout",
        json={"code": 200, "result": True, "data": True, "message": "", "requestId": "r"},
    )
    assert manager.logout() is True
    assert store.cached is None
    assert responses.calls[0].request.headers["CJ-Access-Token"] == "cached-access"


@responses.activate
def test_force_refresh_uses_the_refresh_token() -> None:
    store = MemoryTokenStore(cached())
    manager, _, _ = build(store)
    responses.add(
        responses.POST, BASE + "/authentication/refreshAccessToken", json=pair_json("fresh", "r2", open_id=False)
    )
    assert manager.force_refresh().access_token.reveal() == "fresh"


def test_status_and_reprs_never_show_a_token() -> None:
    manager, _, _ = build(MemoryTokenStore(cached()))
    status = manager.status()
    assert "cached-access" not in repr(status) and "cached-refresh" not in repr(status)
    assert "cached-access" not in repr(cached())


@responses.activate
def test_a_cache_checked_against_another_account_email_is_discarded() -> None:
    store = MemoryTokenStore()
    manager, _, _ = build(store)
    add_auth()
    manager.access_token()
    assert store.cached is not None
    assert store.cached.account_fingerprint is not None
    other, _, _ = build(store, credentials=creds(email="new-owner@example.com"))
    assert other.status().source is None
    assert "another account email" in (other.status().discarded_reason or "")
