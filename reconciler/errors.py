"""The one error tree of cjrec.

Every failure a user can meet is a :class:`CjrecError` with a short message and, where
there is one, a hint saying what to do next. Each edge of the system (manifests, secrets,
the CJ API, the state store, the lock) has its own subclass; the CLI turns any of them
into one message and an exit code in a single place. No exception of a library
(``requests``, ``subprocess``, ``yaml``) escapes the adapter that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130


class CjrecError(Exception):
    """Base of every error cjrec reports to a user."""

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


class InvalidTokenError(ApiError):
    """CJ rejected the access token (1600001): refresh, then re-authenticate."""


class InvalidRefreshTokenError(ApiError):
    """CJ rejected the refresh token (1600003): authenticate again with the API key."""


class CredentialsError(ApiError):
    """The API key or the account is refused (1600004-1600008): a person must act."""


class AuthThrottledError(ApiError):
    """getAccessToken may be called once per 300 s; cjrec will not call it again sooner."""


class PointsExhaustedError(ApiError):
    """The account's daily points are used up (16900500 or 429): no retry until 00:00 UTC."""


class QuotaExhaustedError(ApiError):
    """CJ's quota for this call is used up (1600201): no retry until it resets."""


class SourcingLimitError(ApiError):
    """CJ's daily limit of sourcing requests is reached (1600000 "Exceeded the daily source limit")."""


class OutcomeUnknownError(ApiError):
    """A create's answer was lost (timeout, dropped connection, gateway error): CJ may or may not have acted."""


class PointsBudgetError(ApiError):
    """The next call would exceed the run's pointsBudget from Settings."""


class ProductUnavailableError(ApiError):
    """The product is unknown, offline (1602001) or removed from shelves (1602002)."""
