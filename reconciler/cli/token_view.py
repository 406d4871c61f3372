"""Text for ``cjrec token status``: sources and expiry dates, never a token."""

from __future__ import annotations

from datetime import datetime

from reconciler.adapters.token_manager import TokenStatus


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    delta = moment - now
    seconds = delta.total_seconds()
    relative = f"expired {_span(-seconds)} ago" if seconds < 0 else f"in {_span(seconds)}"
    return f"{moment.isoformat(timespec='seconds')} ({relative})"


def _span(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def _rate(status: TokenStatus) -> str:
    if status.qps_limit_at is None:
        return "- (read from CJ's setting/get on the next plan or apply)"
    said = f"{status.qps_limit:g} requests/s" if status.qps_limit is not None else "not reported by CJ (1 request/s used)"
    return f"{said} (setting/get, {status.qps_limit_at.isoformat(timespec='seconds')}; `qps: auto` uses it)"


def render_status(status: TokenStatus, *, now: datetime) -> str:
    """A few aligned lines describing the token state."""
    last = status.last_get_access_token_at.isoformat(timespec="seconds") if status.last_get_access_token_at else "-"
    source = status.source or "none (the next run authenticates with the API key)"
    lines = [
        f"Token source:          {source}",
        f"Access token expires:  {_when(status.access_token_expiry, now)}",
        f"Refresh token expires: {_when(status.refresh_token_expiry, now)}",
        f"Last getAccessToken:   {last}",
        f"Account rate limit:    {_rate(status)}",
        f"Cache file:            {status.cache_file} ({'present, sops-encrypted' if status.cache_present else 'absent'})",
    ]
    if status.discarded_reason:
        lines.append(f"Note: {status.discarded_reason}; it will not be used.")
    return "\n".join(lines)
