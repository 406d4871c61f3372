"""The sandbox as a running server: :class:`Sandbox`, and the HTTP handler behind it.

``Sandbox`` is what the ``cjrec sandbox`` command, the tests and the benchmarks use: it
binds only the configured host, serves CJ's API under ``/api2.0/v1`` and the admin
endpoints under ``/__sandbox`` on one port (HTTP/1.1 with keep-alive, one thread per
connection), and offers the admin operations as methods. The handler only turns bytes into
a :class:`~.envelope.Request` and a :class:`~.envelope.Reply` back into bytes; it waits out a
reply's delay (latency or a timeout fault) without holding the state lock.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from reconciler.sandbox.admin import ADMIN_PREFIX, Admin
from reconciler.sandbox.api import API_PREFIX, CjApi
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.envelope import Delivery, Reply, Request
from reconciler.sandbox.shopify.api import SHOPIFY_PREFIX, ShopifyApi, ShopifyConfig
from reconciler.sandbox.state import SandboxState
from reconciler.sandbox.woocommerce.api import MERCHANT_PREFIX, WOO_PREFIX, WooApi, WooConfig

MAX_BODY = 1 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        api: CjApi,
        admin: Admin,
        shopify: ShopifyApi,
        woocommerce: WooApi,
        stopping: threading.Event,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.api = api
        self.shopify = shopify
        self.woocommerce = woocommerce
        self.admin = admin
        self.stopping = stopping
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self._open_lock:
                self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._open_lock:
                self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """Quiet about clients that went away (or connections closed by stop); loud about the rest."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """End kept-alive connections too, so a stopped sandbox answers nothing more."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cjrec-sandbox"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after a minute

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the call log records what matters, without secrets."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:  # the rest is not read: this connection cannot carry another request
            self.close_connection = True
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _dispatch(self) -> None:
        server = cast(_Server, self.server)
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            raw_query=split.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
            client_ip=str(self.client_address[0]),
        )
        if split.path.startswith(MERCHANT_PREFIX):
            reply = server.woocommerce.handle_merchant(request)
        elif split.path == ADMIN_PREFIX or split.path.startswith(ADMIN_PREFIX + "/"):
            reply = server.admin.handle(request)
        elif split.path.startswith(SHOPIFY_PREFIX):
            reply = server.shopify.handle(request)
        elif split.path.startswith(WOO_PREFIX):
            reply = server.woocommerce.handle(request)
        else:
            reply = server.api.handle(request)
        if reply.delay_s > 0:
            server.stopping.wait(reply.delay_s)
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        if reply.delivery is Delivery.DROP:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (read timeout) before the answer
            self.close_connection = True


class Sandbox:
    """A local stand-in for CJ's API; see ../shared/cj-api.md for what it imitates. It also plays
    one Shopify shop (:attr:`shopify`, see ``sandbox/shopify/``) under ``/admin/`` and one WooCommerce
    shop (:attr:`woocommerce`, see ``sandbox/woocommerce/``) under ``/wp-json/`` on the same port.

    ``Sandbox(config).start()`` serves in a daemon thread (or use it as a context manager);
    ``serve_forever()`` serves in the foreground until Ctrl-C. Reading ``base_url`` binds the
    port without serving yet (so a command can print it first). ``clock`` replaces the
    real-time clock. The methods below mirror the admin endpoints and work whether or not
    the server runs. A stopped sandbox cannot be started again.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        clock: SandboxClock | None = None,
        shopify: ShopifyConfig | None = None,
        woocommerce: WooConfig | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self._state = SandboxState(self.config, clock=clock)
        self._api = CjApi(self._state)
        self._admin = Admin(self._state)
        self.shopify = ShopifyApi(
            shopify or ShopifyConfig(), monotonic=self._state.clock.monotonic, wall=self._state.clock.wall
        )
        self.woocommerce = WooApi(woocommerce or WooConfig(), wall=self._state.clock.wall)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()
        self._serving = False
        self._stopped = False

    # -- lifecycle -------------------------------------------------------------------

    def _bound(self) -> _Server:
        """The server socket, bound on first use (so ``base_url`` is known before serving)."""
        with self._lifecycle:
            if self._stopped:
                raise RuntimeError("this sandbox has been stopped; make a new one")
            if self._server is None:
                self._server = _Server(
                    self.config.host,
                    self.config.port,
                    api=self._api,
                    admin=self._admin,
                    shopify=self.shopify,
                    woocommerce=self.woocommerce,
                    stopping=self._state.stopping,
                )
            return self._server

    def start(self) -> Sandbox:
        """Serve in a daemon thread; returns self. Starting twice is harmless."""
        server = self._bound()
        with self._lifecycle:
            if self._thread is None and not self._serving:
                self._serving = True
                self._thread = threading.Thread(
                    target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="cjrec-sandbox", daemon=True
                )
                self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C or :meth:`stop`, then stop cleanly."""
        try:
            server = self._bound()
            with self._lifecycle:
                foreground = not self._serving
                self._serving = True
            if foreground:
                server.serve_forever(poll_interval=0.1)
            else:  # already serving in a thread: wait for stop() or Ctrl-C
                while not self._state.stopping.wait(0.5):
                    pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, wake answers held back by latency or timeouts, close the socket."""
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
            server, thread, serving = self._server, self._thread, self._serving
        self._state.stopping.set()
        if server is not None:
            if serving:
                server.shutdown()
            if thread is not None:
                thread.join(timeout=5)
            server.close_connections()
            server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (binding now if needed); still readable after :meth:`stop`."""
        server = self._server if self._stopped and self._server is not None else self._bound()
        return int(server.server_address[1])

    @property
    def root_url(self) -> str:
        host = self.config.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def base_url(self) -> str:
        """CJ's base URL on this sandbox, e.g. ``http://127.0.0.1:54321/api2.0/v1``."""
        return self.root_url + API_PREFIX

    @property
    def shopify_url(self) -> str:
        """What a Store's ``endpoint:`` is set to for the Shopify stand-in, e.g. ``http://127.0.0.1:54321``."""
        return self.root_url

    @property
    def woocommerce_url(self) -> str:
        """What a WooCommerce Store's ``url:`` is set to for the stand-in, e.g. ``http://127.0.0.1:54321``."""
        return self.root_url

    @property
    def admin_url(self) -> str:
        """Where the admin endpoints are, e.g. ``http://127.0.0.1:54321/__sandbox``."""
        return self.root_url + ADMIN_PREFIX

    # -- admin operations (the same as the /__sandbox endpoints) -----------------------

    def calls(self) -> list[dict[str, object]]:
        """Every API call received, oldest first, without secrets."""
        return self._admin.calls()

    def clear_calls(self) -> int:
        return self._admin.clear_calls()

    def faults(self) -> dict[str, object]:
        return self._admin.faults()

    def set_faults(self, **changes: object) -> dict[str, object]:
        """E.g. ``set_faults(error_rate_5xx=0.2, burst_429=3)``; ValueError if one is wrong."""
        return self._admin.set_faults(changes)

    def invalidate_tokens(self) -> int:
        return self._admin.invalidate_tokens()

    def advance_clock(self, seconds: float) -> None:
        self._admin.advance_clock(seconds)

    def product(self, pid: str) -> dict[str, object]:
        return self._admin.product(pid)

    def send_webhooks_to(self, url: str | None) -> None:
        """Deliver webhook messages to ``url`` (a local receiver) instead of the public callback."""
        self._state.deliveries.target = url

    def deliveries(self, *, settle_s: float = 10.0) -> dict[str, object]:
        """What was sent, once nothing is due (waits up to ``settle_s`` real seconds)."""
        self._state.deliveries.settle(settle_s)
        return self._state.deliveries.log()

    def set_product(self, pid: str, **changes: object) -> dict[str, object]:
        """E.g. ``set_product(pid, sellPrice="9.99", offline=True)``; KeyError for an unknown pid."""
        return self._admin.set_product(pid, changes)

    def add_to_my_products(self, *pids: str) -> int:
        return self._admin.add_to_my_products(pids)

    def remove_from_my_products(self, pid: str) -> bool:
        return self._admin.remove_from_my_products(pid)

    def my_product_ids(self) -> list[str]:
        """My Products, newest first."""
        return self._admin.my_product_ids()

    def points_used(self) -> int:
        """Points spent today (UTC day on the sandbox clock)."""
        return self._admin.points_used()

    def make_hostile(self, pids: list[str] | None = None) -> int:
        """Hostile names, SKUs, keys and image URLs for ``pids`` (all when None), and hostile error messages."""
        return self._admin.make_hostile(pids)

    def catalog_pids(self, status: str | None = None) -> list[str]:
        """All pids, or those ``on_sale`` (also ``"3"``), ``offline`` or ``removed``."""
        return self._admin.catalog_pids(status)

    def set_webhook(self, topic: str, kind: str, urls: list[str]) -> dict[str, object]:
        """Change a callback as CJ's web UI would (drift)."""
        return self._admin.set_webhook(topic, kind, urls)

    def webhooks(self) -> dict[str, object]:
        """``{"callback": …, "subscriptions": [pids]}``."""
        return self._admin.webhooks()

    def state(self) -> dict[str, object]:
        return self._admin.summary()

    def connections(self) -> list[dict[str, object]]:
        """The account's connections at CJ (store variant → CJ variant), as ``GET product/conn/connection`` lists them."""
        return self._admin.connections()

    def connect_by_hand(self, row: dict[str, object]) -> None:
        """A connection a person made in CJ's web UI (``shopId``, ``cjProductId``, ``cjVariantId``,
        ``platformProductId``, ``platformVariantId``)."""
        with self._state.lock:
            self._state.connections.connect(row)

    def disconnect_by_hand(self, shop_id: str, platform_product_id: str) -> int:
        """A person removing a product's connections in CJ's web UI; how many were removed."""
        with self._state.lock:
            return self._state.connections.disconnect(
                shop_id=shop_id, platform_product_id=platform_product_id, platform_variant_id=None
            )

    def sourcing_requests(self) -> list[dict[str, object]]:
        """Every sourcing request filed, oldest first, with what was filed and its status."""
        requests = self._admin.sourcing()["requests"]
        assert isinstance(requests, list)
        return requests

    def answer_sourcing(self, source_id: str, **changes: object) -> dict[str, object]:
        """Answer a request as CJ's agent: ``outcome="succeeded"`` (a new product is listed), or
        ``outcome="failed", reason="…"``, ``sourceStatus="2"``, ``omitProductId=True``."""
        return self._admin.answer_sourcing(source_id, changes)

    def set_freight(self, **changes: object) -> dict[str, object]:
        """E.g. ``set_freight(noStock="error")`` or ``set_freight(routes={"CN-US": [...]})``."""
        return self._admin.set_freight(changes)
