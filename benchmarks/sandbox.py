"""A ``cjrec sandbox`` child process on a free loopback port, and its admin endpoints.

The benchmarks run the sandbox exactly as a user would (``cjrec sandbox --port 0 …``) in
its own process, so that its work does not share the interpreter of what is measured, and
read everything through its ``/__sandbox`` admin endpoints: the call log (arrival times
``t`` on the sandbox's monotonic clock, paths, HTTP status), points used, the catalog, and
My Products.
"""

from __future__ import annotations

import re
import signal
import subprocess
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import requests

from benchmarks import workspace

_URL = re.compile(r"listening at (http://127\.0\.0\.1:\d+/api2\.0/v1)")


@dataclass(frozen=True)
class Call:
    """One API call from the sandbox's log."""

    t: float
    method: str
    path: str  # without the /api2.0/v1 prefix
    http_status: int
    code: int | None

    @property
    def is_auth(self) -> bool:
        return self.path.startswith("/authentication/")

    @property
    def is_mutating(self) -> bool:
        return (
            self.path in ("/product/addToMyProduct", "/webhook/set")
            or self.path.startswith("/webhook/product/subscribe")
            or self.path.startswith("/webhook/product/unsubscribe")
        )


class SandboxProcess:
    """``cjrec sandbox`` running in a child process until :meth:`stop`."""

    def __init__(
        self, *, qps: float, latency_ms: float = 0.0, products: int = 500, seed: int = 1, sourcing_per_day: int = 5
    ) -> None:
        self.qps = qps
        self.latency_ms = latency_ms
        argv = [
            *workspace.CJREC.argv, "sandbox", "--port", "0", "--qps", str(qps), "--latency-ms", str(latency_ms),
            "--products", str(products), "--seed", str(seed),
        ]  # fmt: skip
        if sourcing_per_day != 5:
            argv += ["--sourcing-per-day", str(sourcing_per_day)]
        self._proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=workspace.CJREC.environ()
        )
        assert self._proc.stdout is not None
        seen = []
        for line in self._proc.stdout:
            seen.append(line)
            found = _URL.search(line)
            if found:
                self.base_url = found.group(1)
                break
        else:
            self._proc.wait()
            raise RuntimeError("cjrec sandbox did not start:\n" + "".join(seen))
        self.admin_url = self.base_url.replace("/api2.0/v1", "/__sandbox")
        self._session = requests.Session()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Interrupt the sandbox (as Ctrl-C would) and reap it."""
        self._session.close()
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def _admin(self, method: str, route: str, **kwargs: Any) -> Any:
        response = self._session.request(method, self.admin_url + route, timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()

    def calls(self) -> list[Call]:
        """Every API call received so far, oldest first."""
        prefix = "/api2.0/v1"
        return [
            Call(
                t=float(c["t"]),
                method=str(c["method"]),
                path=str(c["path"])[len(prefix) :] if str(c["path"]).startswith(prefix) else str(c["path"]),
                http_status=int(c["http_status"]),
                code=c.get("code") if isinstance(c.get("code"), int) else None,
            )
            for c in self._admin("GET", "/calls")["calls"]
        ]

    def points_used(self) -> int:
        return int(self._admin("GET", "/state")["points_used"])

    def on_sale(self) -> list[str]:
        """The catalog's on-sale pids, without the three fixed demo products."""
        return [str(p) for p in self._admin("GET", "/catalog", params={"status": "on_sale"})["pids"]][3:]

    def product(self, pid: str) -> dict[str, Any]:
        """A catalog product's full detail, inventories included."""
        detail: dict[str, Any] = self._admin("GET", f"/products/{pid}")
        return detail

    def add_to_my_products(self, pids: list[str]) -> int:
        """Put products in My Products behind cjrec's back (as if added in CJ's web UI)."""
        return int(self._admin("POST", "/my-products", json={"productIds": pids})["added"])

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock on (e.g. past the 300 s getAccessToken guard)."""
        self._admin("POST", "/clock", json={"advance_s": seconds})
