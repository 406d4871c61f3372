"""Run the receiver under uvicorn (the ``receiver`` extra), in the foreground or, for tests, a thread."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from reconciler.errors import UsageError

if TYPE_CHECKING:
    import uvicorn

    from reconciler.receiver.app import ReceiverApp


def _uvicorn() -> object:
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "cjrec receive needs uvicorn, which is not installed",
            hint="pip install 'cjrec[receiver]'",
        ) from None
    return uvicorn


def make_server(app: ReceiverApp, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for ``app``: no access log (the app logs paths without the token)."""
    _uvicorn()
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_keep_alive=5,
        server_header=False,
        date_header=False,
        h11_max_incomplete_event_size=16 * 1024,  # headers of a sane POST; a header flood is refused
    )
    return uvicorn.Server(config)


class ThreadedReceiver:
    """The receiver on a background thread (tests and benchmarks): ``with ThreadedReceiver(app) as url: …``.

    The socket is bound on the calling thread (so the port is known, and a failure to bind is
    raised where the caller sees it); uvicorn installs no signal handlers off the main thread.
    """

    def __init__(self, app: ReceiverApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(app, host=host, port=port)
        self.host = host
        self.port = port
        self.socket: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.socket = sock
        self.port = int(sock.getsockname()[1])
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="cjrec-receiver", daemon=True
        )
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                sock.close()
                raise RuntimeError("the receiver did not start")
            self.thread.join(0.01)
        return f"http://{self.host}:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        if self.socket is not None:
            self.socket.close()
