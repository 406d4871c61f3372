"""Which CJ access token to use, and when to refresh or re-authenticate.

The order of use: a token override in the Credentials manifest (if set and not expired),
then the cached access token, then a refresh with the cached (or overridden) refresh
token, then getAccessToken with the API key. Expiry always comes from the dates CJ
returned. CJ allows getAccessToken once per 300 s, so the time of the last call is kept in
the (encrypted) cache and cjrec refuses to call it again sooner, saying when it may. After
authenticating, ``setting/get`` tells whose account the token opens, and a token for
another account than the manifest's email is refused. Thread-safe: one manager serves
every worker of a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from reconciler.adapters.cj_api import CjAuth
from reconciler.adapters.clock import Clock
from reconciler.adapters.token_store import CachedTokens, TokenStore
from reconciler.errors import (
    AuthThrottledError,
    CjrecError,
    CredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
)
from reconciler.models.cj import AccountSettings, TokenPair
from reconciler.models.cj_limits import AUTH_INTERVAL_S
from reconciler.models.desired import Credentials
from reconciler.models.secret import Secret, mask_email

DEFAULT_MARGIN = timedelta(hours=24)
SOURCE_OVERRIDE = "manifest override"
SOURCE_CACHE = "cache"
SOURCE_REFRESH = "refreshAccessToken"
SOURCE_AUTH = "getAccessToken"
UNVERIFIED = "unverified"  # the account of a pair CJ issued when the account check could not run (busy, quota…)

QPS_LIMIT_MAX_AGE = timedelta(hours=24)  # re-read the account's rate limit (a tier change) at least daily
AccountCheck = Callable[[Secret], AccountSettings]  # whose account does a token open (``setting/get``)


@dataclass(frozen=True)
class TokenStatus:
    """What ``cjrec token status`` shows: where the token comes from and when things expire — never a token."""

    source: str | None
    access_token_expiry: datetime | None
    refresh_token_expiry: datetime | None
    last_get_access_token_at: datetime | None
    cache_file: str
    cache_present: bool
    discarded_reason: str | None
    qps_limit: float | None = None  # the account's requests/s, as remembered with the token
    qps_limit_at: datetime | None = None  # when setting/get said it (None: not read yet)


class TokenManager:
    """Gives out a valid access token, renewing and caching as CJ's rules require."""

    def __init__(
        self,
        *,
        auth: CjAuth,
        store: TokenStore,
        credentials: Credentials,
        clock: Clock,
        account_of: AccountCheck | None = None,
        margin: timedelta = DEFAULT_MARGIN,
    ) -> None:
        self.auth = auth
        self.store = store
        self.credentials = credentials
        self.clock = clock
        self.account_of = account_of
        self.margin = margin
        self._lock = threading.RLock()
        self._pair: TokenPair | None = None
        self._source: str | None = None
        self._cache: CachedTokens | None = None
        self._cache_loaded = False
        self.account: AccountSettings | None = None  # what the last account check read from setting/get
        self._discarded: str | None = None
        self._renewals = 0
        self._renewal_failure: CredentialsError | AuthThrottledError | None = None
        self.calls: list[str] = []  # the authentication calls made, in order (for status and tests)

    # -- the TokenSource protocol -----------------------------------------------------
    def access_token(self) -> Secret:
        """A usable access token (obtaining one if needed)."""
        with self._lock:
            if self._pair is not None and self._usable(self._pair.access_token_expiry, margin=False):
                return self._pair.access_token
            return self._obtain().access_token

    def renew_after_rejection(self, rejected: Secret) -> Secret:
        """CJ said 1600001 for ``rejected``: refresh once, then re-authenticate once.

        If renewing failed for good (the API key refused, getAccessToken not allowed yet),
        every other worker that still holds ``rejected`` gets that same error, not a new
        attempt or a vaguer one.
        """
        with self._lock:
            if self._pair is not None and self._pair.access_token != rejected:
                return self._pair.access_token  # another worker renewed already
            if self._renewal_failure is not None:
                raise self._renewal_failure
            try:
                return self._renew()
            except (CredentialsError, AuthThrottledError) as exc:
                self._renewal_failure = exc
                raise

    def _renew(self) -> Secret:
        self._renewals += 1
        if self._renewals == 1:
            refresh = self._refresh_candidate()
            if refresh is not None:
                try:
                    return self._refresh(refresh).access_token
                except InvalidRefreshTokenError:
                    pass
        if self._renewals <= 2:
            return self._authenticate().access_token
        raise InvalidTokenError(
            "CJ keeps rejecting new access tokens",
            call="token renewal",
            hint="check the account at CJ; `cjrec logout` then a new run starts afresh",
        )

    # -- commands ---------------------------------------------------------------------
    def force_refresh(self) -> TokenPair:
        """``cjrec token refresh``: refresh now (or authenticate when no refresh token is usable)."""
        with self._lock:
            return self._refresh_or_authenticate()

    def logout(self) -> bool:
        """Revoke the tokens at CJ and clear the cache; False when there was nothing to revoke."""
        with self._lock:
            cache = self._load_cache()
            pair = self._pair or (cache.pair if cache else None)
            revoked = False
            if pair is not None and self._usable(pair.access_token_expiry, margin=False):
                try:
                    self.auth.logout(pair.access_token)
                    self.calls.append("logout")
                    revoked = True
                except InvalidTokenError:
                    revoked = False  # already invalid at CJ
            self.store.clear()
            self._pair = None
            self._cache = None
            return revoked

    def status(self) -> TokenStatus:
        """Where the token would come from now, without contacting CJ."""
        with self._lock:
            source, pair = self._offline_choice()
            cache = self._load_cache()
            return TokenStatus(
                source=source,
                access_token_expiry=pair.access_token_expiry if pair else None,
                refresh_token_expiry=pair.refresh_token_expiry if pair else None,
                last_get_access_token_at=cache.last_get_access_token_at if cache else None,
                cache_file=self.store.display,
                cache_present=self.store.present(),
                discarded_reason=self._discarded,
                qps_limit=cache.qps_limit if cache else None,
                qps_limit_at=cache.qps_limit_at if cache else None,
            )

    # -- internals --------------------------------------------------------------------
    def _usable(self, expiry: datetime | None, *, margin: bool) -> bool:
        if expiry is None:
            return False
        return expiry - (self.margin if margin else timedelta(0)) > self.clock.now()

    def _load_cache(self) -> CachedTokens | None:
        if not self._cache_loaded:
            cache = self.store.load()
            if cache is not None and cache.api_key_fingerprint != self.credentials.api_token.fingerprint():
                self._discarded = "the cached token belongs to another API key (the key in the manifest changed)"
                cache = None
            elif cache is not None and cache.account_fingerprint not in (None, UNVERIFIED, self._account_fingerprint()):
                self._discarded = (
                    "the cached token was checked against another account email (the email in the manifest changed)"
                )
                cache = None
            self._cache = cache
            self._cache_loaded = True
        return self._cache

    def _account_fingerprint(self) -> str:
        return Secret(self.credentials.email.reveal().strip().lower()).fingerprint()

    def _offline_choice(self) -> tuple[str | None, TokenPair | None]:
        if self._pair is not None:
            return self._source, self._pair
        override = self.credentials.override
        if override and override.access_token and self._usable(override.access_token_expiry, margin=False):
            assert override.access_token_expiry is not None
            return SOURCE_OVERRIDE, TokenPair(
                override.access_token,
                override.access_token_expiry,
                override.refresh_token,
                override.refresh_token_expiry,
            )
        cache = self._load_cache()
        if cache and cache.pair and self._usable(cache.pair.access_token_expiry, margin=True):
            return SOURCE_CACHE, cache.pair
        if cache and cache.pair:
            return "cache (needs refresh)", cache.pair
        return None, None

    def _obtain(self) -> TokenPair:
        source, pair = self._offline_choice()
        if pair is not None and source in (SOURCE_OVERRIDE, SOURCE_CACHE):
            if source == SOURCE_CACHE:
                try:
                    self._verify_cached(pair)
                except InvalidTokenError:  # the unverified pair died meanwhile: get a new one
                    return self._refresh_or_authenticate()
            self._pair, self._source = pair, source
            return pair
        return self._refresh_or_authenticate()

    def _checking_account(self) -> bool:
        return self.account_of is not None and self.credentials.check_account_email

    def _verify_cached(self, pair: TokenPair) -> None:
        """A cached pair whose account could not be checked when CJ issued it is checked before its first use."""
        cache = self._load_cache()
        if cache is None or cache.account_fingerprint != UNVERIFIED or not self._checking_account():
            return
        self._check_account(pair)
        checked = replace(cache, account_fingerprint=self._account_fingerprint())
        if self.account is not None:  # the check read setting/get: its rate limit rides with the token too
            checked = replace(checked, qps_limit=self.account.qps_limit, qps_limit_at=self.clock.now())
        self._save(checked)

    def _refresh_or_authenticate(self) -> TokenPair:
        """Refresh with a usable refresh token; when there is none or CJ rejects it, authenticate."""
        refresh = self._refresh_candidate()
        if refresh is not None:
            try:
                return self._refresh(refresh)
            except InvalidRefreshTokenError:
                pass
        return self._authenticate()

    def _refresh_candidate(self) -> Secret | None:
        candidates: list[TokenPair] = []
        if self._pair is not None:
            candidates.append(self._pair)
        cache = self._load_cache()
        if cache and cache.pair:
            candidates.append(cache.pair)
        override = self.credentials.override
        if override and override.refresh_token:
            candidates.append(
                TokenPair(Secret(""), self.clock.now(), override.refresh_token, override.refresh_token_expiry)
            )
        for pair in candidates:
            if pair.refresh_token is not None and self._usable(pair.refresh_token_expiry, margin=False):
                return pair.refresh_token
        return None

    def _refresh(self, refresh_token: Secret) -> TokenPair:
        self.calls.append("refreshAccessToken")
        fresh = self.auth.refresh(refresh_token)
        cache = self._load_cache()
        open_id = fresh.open_id or (cache.pair.open_id if cache and cache.pair else None)
        pair = TokenPair(
            fresh.access_token,
            fresh.access_token_expiry,
            fresh.refresh_token or refresh_token,
            fresh.refresh_token_expiry or (cache.pair.refresh_token_expiry if cache and cache.pair else None),
            open_id,
            fresh.created,
        )
        last_auth = cache.last_get_access_token_at if cache else None
        account = cache.account_fingerprint if cache else None
        if account == UNVERIFIED and self._checking_account():
            key = self.credentials.api_token.fingerprint()
            self._save(CachedTokens(key, pair, last_auth, SOURCE_REFRESH, UNVERIFIED))  # CJ spent the old refresh token
            self._check_account(pair)
            account = self._account_fingerprint()
        self._remember(pair, SOURCE_REFRESH, last_auth=last_auth, account=account)
        return pair

    def _authenticate(self) -> TokenPair:
        cache = self._load_cache()
        last = cache.last_get_access_token_at if cache else None
        now = self.clock.now()
        if last is not None and (now - last).total_seconds() < AUTH_INTERVAL_S:
            retry_at = last + timedelta(seconds=AUTH_INTERVAL_S)
            raise AuthThrottledError(
                "a new CJ access token is needed, but getAccessToken was already called at "
                f"{last.isoformat(timespec='seconds')} and CJ allows it once per 300 s",
                call="POST /authentication/getAccessToken",
                hint=f"retry after {retry_at.isoformat(timespec='seconds')}",
            )
        # record the attempt first: even a failed call counts against CJ's 300 s limit
        self._save(
            CachedTokens(
                self.credentials.api_token.fingerprint(),
                cache.pair if cache else None,
                now,
                account_fingerprint=cache.account_fingerprint if cache else None,
            )
        )
        self.calls.append("getAccessToken")
        pair = self.auth.get_access_token(self.credentials.api_token)
        checked = self._checking_account()
        if checked:
            try:
                self._check_account(pair)
            except CredentialsError:
                raise
            except CjrecError:
                # CJ issued the pair but could not say whose account it opens: keep it (unused) for the
                # next run, which checks it first, instead of waiting out CJ's 300 s rule for another
                key = self.credentials.api_token.fingerprint()
                self._save(CachedTokens(key, pair, now, SOURCE_AUTH, UNVERIFIED))
                raise
        self._remember(pair, SOURCE_AUTH, last_auth=now, account=self._account_fingerprint() if checked else None)
        return pair

    def _check_account(self, pair: TokenPair) -> None:
        assert self.account_of is not None
        self.calls.append("setting/get")
        account = self.account_of(pair.access_token)
        self.account = account
        declared = self.credentials.email.reveal().strip().lower()
        if account.open_email.strip().lower() != declared:
            raise CredentialsError(
                f"the API key belongs to the CJ account {mask_email(account.open_email)}, "
                f"not to {mask_email(declared)} declared in {self.credentials.source}",
                call="GET /setting/get",
                hint="fix `email` or `apiToken` in the Credentials manifest, or set `checkAccountEmail: false`",
            )

    def _remember(self, pair: TokenPair, source: str, *, last_auth: datetime | None, account: str | None) -> None:
        self._pair, self._source = pair, source
        cache = self._cache if self._cache_loaded else None
        limit, limit_at = (cache.qps_limit, cache.qps_limit_at) if cache else (None, None)
        if self.account is not None:  # just read from setting/get with this token
            limit, limit_at = self.account.qps_limit, self.clock.now()
        key = self.credentials.api_token.fingerprint()
        self._save(CachedTokens(key, pair, last_auth, source, account, limit, limit_at))

    # -- the account's request rate, remembered with the token ---------------------------
    def known_qps_limit(self, *, max_age: timedelta = QPS_LIMIT_MAX_AGE) -> tuple[bool, float | None]:
        """(known, limit): the account's requests/s as setting/get said it at most ``max_age`` ago.

        ``limit`` None with ``known`` True: CJ did not say. The account check of a new token
        reads it; otherwise the cache keeps it, so a run needs no extra call for it.
        """
        with self._lock:
            if self.account is not None:
                return True, self.account.qps_limit
            cache = self._load_cache()
            if cache is not None and cache.qps_limit_at is not None and self.clock.now() - cache.qps_limit_at <= max_age:
                return True, cache.qps_limit
            return False, None

    def note_qps_limit(self, limit: float | None) -> None:
        """Remember the limit a separate setting/get read, in the cache (if there is one to keep it in)."""
        with self._lock:
            cache = self._load_cache()
            if cache is not None and cache.pair is not None:
                self._save(replace(cache, qps_limit=limit, qps_limit_at=self.clock.now()))

    def _save(self, cached: CachedTokens) -> None:
        self.store.save(cached)
        self._cache = cached
        self._cache_loaded = True
