"""The reference client: what public CJ integrations do, for comparison with cjrec.

Public integrations call CJ one request at a time and sleep a fixed 1.1–1.2 s after each
(see shared/cj-api.md, "Known mistakes"), so their rate is 1 / (1.2 s + latency) whatever
the account's tier. This client does exactly that with plain ``requests``, for the same
calls cjrec's first apply makes per product — the detail query, then the add — so the
throughput benchmark can print cjrec ÷ reference for each row. It is deliberately naive:
no pacing but the sleep, no retry, no concurrency.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests

PAUSE_S = 1.2


@dataclass(frozen=True)
class ReferenceRun:
    """What the reference client did: calls sent, and those that did not succeed."""

    calls: int
    failures: int


def authenticate(session: requests.Session, base_url: str, api_key: str, *, pause_s: float = PAUSE_S) -> str:
    """``getAccessToken`` with the API key; returns the access token."""
    response = session.post(f"{base_url}/authentication/getAccessToken", json={"apiKey": api_key}, timeout=30)
    body = response.json()
    time.sleep(pause_s)
    if response.status_code != 200 or not body.get("result"):
        raise RuntimeError(f"reference client: authentication failed: {body.get('message')}")
    return str(body["data"]["accessToken"])


def add_products(base_url: str, api_key: str, pids: Sequence[str], *, pause_s: float = PAUSE_S) -> ReferenceRun:
    """For each pid: query its details, sleep, add it to My Products, sleep."""
    outcomes: list[bool] = []
    with requests.Session() as session:
        token = authenticate(session, base_url, api_key, pause_s=pause_s)
        headers = {"CJ-Access-Token": token}
        for pid in pids:
            detail = session.get(
                f"{base_url}/product/query",
                params={"pid": pid, "features": "enable_inventory"},
                headers=headers,
                timeout=30,
            )
            outcomes.append(_succeeded(detail))
            time.sleep(pause_s)
            added = session.post(
                f"{base_url}/product/addToMyProduct", json={"productId": pid}, headers=headers, timeout=30
            )
            outcomes.append(_succeeded(added))
            time.sleep(pause_s)
    return ReferenceRun(calls=len(outcomes), failures=outcomes.count(False))


def _succeeded(response: requests.Response) -> bool:
    return response.status_code == 200 and bool(response.json().get("result"))
