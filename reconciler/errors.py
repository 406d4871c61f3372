"""The one error tree of cjrec.

Every failure a user can meet is a :class:`CjrecError` with a short message and, where
there is one, a hint saying what to do next. Each edge of the system (manifests, secrets,
the CJ API, the state store, the lock) has its own subclass; the CLI turns any of them
into one message and an exit code in a single place. No exception of a library
(``requests``, ``subprocess``, ``yaml``) escapes the adapter that uses it.

Whether an error stops the calls after it is decided here too, once: each error type says
how far it reaches (:class:`Reach`: one product, one call, the pace, the account, the run),
and :func:`stops_further_calls` says, per step of a run (:class:`Step`), which reaches stop
it. The applier, the plan's reads, the sourcing status checks and the freight quotes all ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130


class Reach(Enum):
    """What an error says about the calls after it."""

    ITEM = "item"  # one product CJ refuses (unknown, offline, removed): the others are unaffected
    CALL = "call"  # this call failed (busy or a gateway error after retries, an answer of the wrong shape)
    PACE = "pace"  # CJ still answers 429 after the retries: more calls only earn more of them
    ACCOUNT = "account"  # credentials, tokens, points, quota or the run's budget: a person must act
    RUN = "run"  # the run itself: interrupted, or a failure outside CJ (state, secrets, a bug)


class Step(Enum):
    """The steps of a run whose calls an error may stop."""

    APPLY = "apply"  # the calls apply makes
    READ = "read"  # the reads a plan cannot do without: My Products, product details, webhooks
    STATUS_CHECK = "status-check"  # sourcing statuses: a plan goes on without them (shown as last recorded)
    QUOTE = "quote"  # freight quotes, many at once: an origin CJ cannot quote is a note, not a failure


#: Which reaches stop the further calls of each step: the one table of fatal errors.
STOPPING: dict[Step, frozenset[Reach]] = {
    Step.APPLY: frozenset({Reach.CALL, Reach.PACE, Reach.ACCOUNT, Reach.RUN}),
    Step.READ: frozenset({Reach.CALL, Reach.PACE, Reach.ACCOUNT, Reach.RUN}),
    Step.STATUS_CHECK: frozenset({Reach.ACCOUNT, Reach.RUN}),
    Step.QUOTE: frozenset({Reach.PACE, Reach.ACCOUNT, Reach.RUN}),
}


def stops_further_calls(error: BaseException, step: Step = Step.APPLY) -> bool:
    """Whether ``error``, met during ``step``, makes the step's further calls pointless.

    Anything that is not a CjrecError (a bug) reaches the whole run.
    """
    reach = error.reach if isinstance(error, CjrecError) else Reach.RUN
    return reach in STOPPING[step]


class CjrecError(Exception):
    """Base of every error cjrec reports to a user."""

    reach: ClassVar[Reach] = Reach.RUN

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a manifest, pointing at the file, line and field."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ManifestError(CjrecError):
    """One or more manifests are invalid; carries every problem found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic], *, hint: str | None = None) -> None:
        count = len(diagnostics)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(d) for d in diagnostics)
        super().__init__(f"{count} {noun} in the manifests:\n{body}", hint=hint)
        self.diagnostics = diagnostics


class SecretsError(CjrecError):
    """sops could not decrypt or encrypt a file, or a secret is stored in plaintext."""


class ApiError(CjrecError):
    """A call to the CJ API failed; carries CJ's code and request id when CJ gave them."""

    reach: ClassVar[Reach] = Reach.CALL

    def __init__(
        self,
        message: str,
        *,
        call: str,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        hint: str | None = None,
    ) -> None:
        details = [f"call {call}"]
        if http_status is not None:
            details.append(f"HTTP {http_status}")
        if code is not None:
            details.append(f"CJ code {code}")
        if request_id:
            details.append(f"requestId {request_id}")
        super().__init__(f"{message} ({', '.join(details)})", hint=hint)
        self.call = call
        self.code = code
        self.request_id = request_id
        self.http_status = http_status


class StateError(CjrecError):
    """The state in ``state/`` cannot be read, trusted or written."""


class LockError(CjrecError):
    """Another cjrec run holds the state lock."""


class CancelledError(CjrecError):
    """The run was interrupted (Ctrl-C, SIGTERM) before this call was sent."""


class UsageError(CjrecError):
    """The command line or cjrec's own configuration is wrong."""


class TransientApiError(ApiError):
    """A failure worth retrying: 5xx, dropped connection, timeout, "system busy", 1600301."""


class RateLimitedError(TransientApiError):
    """CJ answered 429 / 1600200: too many requests for the account's qps."""

    reach: ClassVar[Reach] = Reach.PACE


class InvalidTokenError(ApiError):
    """CJ rejected the access token (1600001): refresh, then re-authenticate."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class InvalidRefreshTokenError(ApiError):
    """CJ rejected the refresh token (1600003): authenticate again with the API key."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class CredentialsError(ApiError):
    """The API key or the account is refused (1600004-1600008): a person must act."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class AuthThrottledError(ApiError):
    """getAccessToken may be called once per 300 s; cjrec will not call it again sooner."""


class PointsExhaustedError(ApiError):
    """The account's daily points are used up (16900500 or 429): no retry until 00:00 UTC."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class QuotaExhaustedError(ApiError):
    """CJ's quota for this call is used up (1600201): no retry until it resets."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class SourcingLimitError(ApiError):
    """CJ's daily limit of sourcing requests is reached (1600000 "Exceeded the daily source limit")."""


class OutcomeUnknownError(ApiError):
    """A create's answer was lost (timeout, dropped connection, gateway error): CJ may or may not have acted."""


class PointsBudgetError(ApiError):
    """The next call would exceed the run's pointsBudget from Settings."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class ProductUnavailableError(ApiError):
    """The product is unknown, offline (1602001) or removed from shelves (1602002)."""

    reach: ClassVar[Reach] = Reach.ITEM
