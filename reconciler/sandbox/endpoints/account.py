"""CJ's account endpoints as the sandbox answers them: logging in, tokens, and ``setting/get``.

Registered in :data:`ACCOUNT_ENDPOINTS` (merged into the API's routes by this package);
each works on the sandbox's :class:`~reconciler.sandbox.accounts.Account` through the
:class:`~.call.Call` it is given, under the state lock.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox import envelope as env
from reconciler.sandbox.clock import cj_date
from reconciler.sandbox.endpoints.call import Call, param_error
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.tokens import TokenPair


def _tokens(pair: TokenPair) -> dict[str, object]:
    return {
        "accessToken": pair.access_token,
        "accessTokenExpiryDate": cj_date(pair.access_expires),
        "refreshToken": pair.refresh_token,
        "refreshTokenExpiryDate": cj_date(pair.refresh_expires),
        "createDate": cj_date(pair.created),
    }


def get_access_token(call: Call) -> Reply:
    """``POST /authentication/getAccessToken`` with ``{"apiKey"}``.

    The legacy ``{"email", "password"}`` body is refused with 1600300 (a request that
    must change, not a wrong key). A wrong key answers 1600005. A second success within
    ``auth_interval_s`` answers HTTP 429 + 1600200; failed attempts do not start that interval.
    """
    body = call.json_object()
    if body is None:
        return param_error("The request body must be a JSON object.")
    api_key = body.get("apiKey")
    if api_key is None:
        if "email" in body or "password" in body:
            return param_error("apiKey is required: logging in with email and password is no longer supported.")
        return param_error("apiKey is required.")
    account = call.state.account
    if not isinstance(api_key, str) or not api_key:
        return param_error("apiKey must be a non-empty string.")
    if call.state.faults.api_key_invalid or api_key != account.api_key:
        return env.failure(env.INVALID_API_KEY, "The API key is invalid.")
    if not account.auth_guard.allowed(call.now_mono):
        return env.too_many_requests(f"Too much request, QPS limit is {account.auth_guard.describe()}")
    account.auth_guard.record(call.now_mono)
    pair = account.tokens.issue(call.now_wall)
    return env.success({"openId": account.open_id} | _tokens(pair))


def refresh_access_token(call: Call) -> Reply:
    """``POST /authentication/refreshAccessToken`` with ``{"refreshToken"}``.

    A bad, spent, revoked or expired refresh token answers 1600003. More than
    ``refresh_per_minute`` successful refreshes in 60 s answer HTTP 429 + 1600200.
    The answer carries a new access token and a new refresh token; the old refresh token is spent.
    """
    body = call.json_object()
    if body is None:
        return param_error("The request body must be a JSON object.")
    token = body.get("refreshToken")
    if not isinstance(token, str) or not token:
        return param_error("refreshToken is required.")
    account = call.state.account
    if not account.tokens.refresh_valid(token, call.now_wall):
        return env.failure(env.INVALID_REFRESH_TOKEN, "Invalid refresh token.")
    if not account.refresh_window.try_acquire(call.now_mono):
        return env.too_many_requests(f"Too much request, QPS limit is {account.refresh_window.describe()}")
    pair = account.tokens.refresh(token, call.now_wall)
    if pair is None:  # cannot happen: checked above under the same lock
        return env.failure(env.INVALID_REFRESH_TOKEN, "Invalid refresh token.")
    return env.success(_tokens(pair))


def logout(call: Call) -> Reply:
    """``POST /authentication/logout``: the caller's access and refresh tokens stop working."""
    call.state.account.tokens.logout(call.token)
    return env.success(True)


def get_settings(call: Call) -> Reply:
    """``GET /setting/get``."""
    return env.success(call.state.account.settings())


ACCOUNT_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("POST", "/authentication/getAccessToken"): get_access_token,
    ("POST", "/authentication/refreshAccessToken"): refresh_access_token,
    ("POST", "/authentication/logout"): logout,
    ("GET", "/setting/get"): get_settings,
}
