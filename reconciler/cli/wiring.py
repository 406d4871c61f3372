"""Build the concrete pieces and wire them: configuration loading, the state store and the CJ connection.

The one place where adapters and pure logic meet: it reads the manifests, decrypts the
sops-encrypted files in memory, hands everything to the pure validator, picks the state
store (a folder or S3) from the state location, and builds the CJ client (transport,
rate limiter, token cache and manager) for a run.
"""

from __future__ import annotations

import math
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.adapters.image_files import inspect_image
from reconciler.adapters.sops import NoKeyError, Sops, SopsUnavailableError
from reconciler.adapters.yaml_loader import digest_files, load_file, load_manifests
from reconciler.cli.run_options import RunOptions
from reconciler.errors import Diagnostic, SecretsError, UsageError
from reconciler.kinds.logo.model import logos as declared_logos
from reconciler.manifest.validator import DocKey, ValidationResult, is_sops_file, validate
from reconciler.models.desired import DEFAULT_QPS, Desired
from reconciler.models.source_document import SourceDocument
from reconciler.models.state_location import LocationError, S3Location, StateLocation, parse_location

if TYPE_CHECKING:  # the CJ client (and requests with it) is imported only by commands that call CJ
    from reconciler.adapters.cj_api import CjApi, CjAuth
    from reconciler.adapters.cj_http import CjHttp
    from reconciler.adapters.clock import Clock
    from reconciler.adapters.state_store import StateStore
    from reconciler.adapters.token_manager import TokenManager
    from reconciler.adapters.token_store import CacheFile, Recipients, TokenStore
    from reconciler.cli.request_rate import RateChoice
    from reconciler.kinds.store.platform import StoreClients


def load_configuration(
    *, manifests: Path, sops: Sops, need_secrets: bool, common: Path | None = None
) -> ValidationResult:
    """Read, decrypt and validate the manifests below ``manifests`` (plus ``common``'s, unless overridden).

    With ``need_secrets`` a missing sops key is an error; without it (``validate``) the
    structure is still checked and the result notes that secret values were not.
    """
    loaded = load_manifests(manifests)
    if common is not None:
        from reconciler.cli.accounts import with_common

        loaded = with_common(loaded, load_manifests(common))
    problems = list(loaded.problems)
    by_file: dict[Path, list[SourceDocument]] = defaultdict(list)
    for doc in loaded.documents:
        by_file[doc.file].append(doc)
    plaintext: dict[DocKey, Any] = {}
    secrets_checked = True
    for file, docs in by_file.items():
        if not any(is_sops_file(doc) for doc in docs):
            continue
        display = docs[0].display
        try:
            decrypted = sops.decrypt_documents(file, display=display)
        except NoKeyError as exc:
            if need_secrets:
                problems.append(Diagnostic(display, None, "", f"{_no_prefix(exc.message, display)}; {exc.hint}"))
            secrets_checked = False
            continue
        except SopsUnavailableError:
            raise
        except SecretsError as exc:
            hint = f"; {exc.hint}" if exc.hint else ""
            problems.append(Diagnostic(display, None, "", _no_prefix(exc.message, display) + hint))
            continue
        if len(decrypted) != len(docs):
            problems.append(
                Diagnostic(display, None, "", "sops returned a different number of documents than the file holds")
            )
            continue
        for doc, data in zip(docs, decrypted, strict=True):
            plaintext[(doc.file, doc.index)] = data
    repository = repository_root(manifests)
    result = validate(
        loaded.documents,
        plaintext=plaintext,
        secrets_checked=secrets_checked,
        inspect_image=lambda path: inspect_image(path, root=repository),
        load_problems=problems,
        repository=repository,
    )
    logos = (
        [f"{logo.name}={logo.image.sha256}" for logo in declared_logos(result.desired) if logo.image]
        if result.desired
        else []
    )
    result.digest = digest_files(loaded.files, extra=logos)
    return result


def repository_root(manifests: Path) -> Path:
    """The repository the manifests belong to: the nearest folder above them holding ``.git`` or ``.sops.yaml``.

    Without either, the working directory when the manifests are inside it, else the
    manifests' own folder. Logo files must stay inside it.
    """
    start = manifests.resolve()
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists() or (folder / ".sops.yaml").exists():
            return folder
    cwd = Path.cwd().resolve()
    return cwd if start.is_relative_to(cwd) else start


def _no_prefix(message: str, display: str) -> str:
    prefix = f"{display}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


@dataclass
class Connection:
    """The concrete CJ client pieces for one run, built from the configuration."""

    http: CjHttp
    auth: CjAuth
    tokens: TokenManager
    api: CjApi
    rate: RateChoice | None = field(default=None)

    def settle_rate(self, configured: float | None) -> RateChoice:
        """Choose the run's rate from the Settings (``None``: auto) and the account's limit, and pace at it.

        The limit comes from the ``setting/get`` of a new token's account check, or from the token
        cache (read within a day); only otherwise does it cost one more (free) call, remembered after.
        """
        from reconciler.cli.request_rate import choose_rate

        if self.rate is None:
            self.tokens.access_token()  # a new token comes with the account check, and so with the limit
            known, limit = self.tokens.known_qps_limit()
            if not known:
                limit = self.api.account_settings().qps_limit
                self.tokens.note_qps_limit(limit)
            self.rate = choose_rate(configured, limit)
            self.http.limiter.set_qps(self.rate.qps)
        return self.rate

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def state_location(options: RunOptions, desired: Desired | None) -> StateLocation:
    """Where the state lives: --state-dir / CJREC_STATE_DIR, else Settings ``spec.state``, else ./state."""
    text, where = options.state_location, "--state-dir / CJREC_STATE_DIR"
    if not options.state_explicit:
        named = _settings_state(options.manifests) if desired is None else _desired_state(desired)
        if named is not None:
            text, where = named
    try:
        location = parse_location(text)
    except LocationError as exc:
        raise UsageError(
            f"{where}: {exc}", hint="give a folder (e.g. state) or s3://BUCKET/PREFIX for S3-compatible storage"
        ) from None
    if options.account is not None and not options.state_explicit and isinstance(location, S3Location):
        from reconciler.cli.accounts import account_prefix

        return account_prefix(location, options.account)  # one bucket, a prefix per account
    return location


def _desired_state(desired: Desired) -> tuple[str, str] | None:
    settings = desired.settings
    if settings.state is None:
        return None
    where = f"{settings.source.file}:{settings.state_line}" if settings.source else "Settings"
    return settings.state, f"{where}: spec.state"


def _settings_state(manifests: Path) -> tuple[str, str] | None:
    """Settings ``spec.state`` read from the manifests without decrypting or validating the rest."""
    if not manifests.exists():
        return None
    for doc in load_manifests(manifests, mentioning="Settings").documents:
        data = doc.data
        if isinstance(data, dict) and data.get("kind") == "Settings" and isinstance(data.get("spec"), dict):
            value = data["spec"].get("state")
            if isinstance(value, str):
                return value, f"{doc.display}:{doc.line_of(('spec', 'state'))}: spec.state"
            return None
    return None


def open_store(location: StateLocation, *, clock: Clock) -> StateStore:
    """The state store for ``location``: the local folder, or the S3 prefix (boto3 is imported only then)."""
    if isinstance(location, S3Location):
        from reconciler.adapters.s3_state import S3StateStore

        return S3StateStore(location, clock=clock)
    from reconciler.adapters.state_store import LocalStateStore

    return LocalStateStore(location.path)


def connect(
    options: RunOptions, desired: Desired, *, sops: Sops, cache: CacheFile, clock: Clock | None = None
) -> Connection:
    """Build the HTTP client, the token manager and the API for the configured account."""
    from reconciler.adapters.cj_api import CjApi, CjAuth
    from reconciler.adapters.cj_http import CjHttp
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.rate_limiter import RateLimiter
    from reconciler.adapters.token_manager import TokenManager
    from reconciler.adapters.token_store import TokenStore

    credentials = desired.credentials
    if credentials is None:
        raise SecretsError(
            "the Credentials could not be decrypted, so CJ cannot be contacted",
            hint="make a sops key available: SOPS_AGE_KEY or SOPS_AGE_KEY_FILE",
        )
    clock = clock or SystemClock()
    # auto starts at CJ's lowest tier until setting/get says the account's limit (settle_rate)
    limiter = RateLimiter(qps=desired.settings.qps or DEFAULT_QPS, clock=clock, assume_recent_call=True)
    http = CjHttp(
        base_url=options.api_url,
        clock=clock,
        limiter=limiter,
        points_budget=desired.settings.points_budget,
        timeout=http_timeout(os.environ.get(TIMEOUT_VARIABLE)),
    )
    auth = CjAuth(http)
    store = TokenStore(cache, sops, fallback=_credentials_recipients(credentials.file))
    tokens = TokenManager(
        auth=auth, store=store, credentials=credentials, clock=clock, account_of=auth.account_settings
    )
    return Connection(http=http, auth=auth, tokens=tokens, api=CjApi(http, tokens))


def store_clients(
    desired: Desired, *, cancel: threading.Event, cj_tokens: TokenStore, clock: Clock | None = None
) -> StoreClients:
    """The client of every declared Store, by name, built by its platform's connector
    (``adapters/store_platforms.py``); Ctrl-C (``cancel``) stops their calls as it stops CJ's;
    expiring store tokens are kept encrypted beside CJ's token cache (``cj_tokens``), to the
    same recipients."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.store_platforms import ConnectDeps, connect_stores
    from reconciler.adapters.store_tokens import CACHE_NAME, SopsStoreTokens
    from reconciler.adapters.token_store import TokenStore

    cache = TokenStore(cj_tokens.file.sibling(CACHE_NAME), cj_tokens.sops, fallback=cj_tokens.fallback)
    deps = ConnectDeps(
        cancel=cancel,
        clock=clock or SystemClock(),
        timeout=http_timeout(os.environ.get(TIMEOUT_VARIABLE)),
        tokens=SopsStoreTokens(cache),
    )
    return connect_stores(desired, deps)


TIMEOUT_VARIABLE = "CJREC_HTTP_TIMEOUT"


def http_timeout(value: str | None) -> tuple[float, float]:
    """The (connect, read) timeouts: CJREC_HTTP_TIMEOUT seconds to wait for an answer, else the default.

    A slow proxy may need more than the default 30 s; tests of read timeouts need less.
    The connect timeout never exceeds the read timeout.
    """
    from reconciler.adapters.cj_http import DEFAULT_TIMEOUT

    if value is None or not value.strip():
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= 3600):
        raise UsageError(
            f"{TIMEOUT_VARIABLE} {value[:40]!r} is not a number of seconds between 0 and 3600",
            hint=f"e.g. {TIMEOUT_VARIABLE}=60, or unset it for the default of {DEFAULT_TIMEOUT[1]:g} s",
        )
    return (min(DEFAULT_TIMEOUT[0], seconds), seconds)


def _credentials_recipients(file: Path) -> Recipients:
    from reconciler.adapters.token_store import Recipients

    docs, _ = load_file(file)
    for doc in docs:
        if isinstance(doc.data, dict) and "sops" in doc.data:
            return Recipients.of_sops_metadata(doc.data["sops"])
    return Recipients()
