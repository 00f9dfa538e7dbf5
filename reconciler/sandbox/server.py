"""Running the app on uvicorn: bind, announce readiness, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator

import uvicorn
from fastapi import FastAPI

from reconciler.errors import CallfwdError

log = logging.getLogger("callfwd.sandbox")


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # Like uvicorn's, but a signal that stopped the server is not re-raised
        # afterwards: SIGTERM and SIGINT are the normal way to stop, exit 0.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        sigs = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in sigs}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port (port 0 picks a free one)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CallfwdError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise CallfwdError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _stop_with_parent(server: uvicorn.Server) -> None:
    parent = os.getppid()

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent:  # the parent died; we were re-parented
                log.warning("parent process %d is gone; stopping", parent)
                server.should_exit = True
                return
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(
    app: FastAPI,
    sock: socket.socket,
    *,
    on_ready: Callable[[], None],
    stop_with_parent: bool = False,
) -> None:
    """Serve until SIGINT/SIGTERM (or the parent's death); in-flight requests finish first."""
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,  # the Edge layer writes one line per request instead
        proxy_headers=False,
        server_header=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config, on_ready)
    if stop_with_parent:
        _stop_with_parent(server)
    server.run(sockets=[sock])
    if not server.started:
        raise CallfwdError("the server did not start; see the log above")
    sys.stderr.flush()
