"""A loopback TCP port that records every connection: where a key must never go.

Tests that check a key is not sent somewhere point that somewhere at a
``Listener`` and assert it ``received`` nothing::

    with Listener() as listener:
        ...
    assert listener.received == []
"""

from __future__ import annotations

import socket
import threading


class Listener:
    """A loopback TCP port that records every connection and what it was sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            self._take()

    def _take(self) -> bool:
        """Accept one connection and record what it sent; False when none was waiting."""
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return False
        with conn:
            conn.settimeout(1)
            try:
                self.received.append(conn.recv(65536))
            except OSError:
                self.received.append(b"")
        return True

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop, then record every connection still waiting to be accepted."""
        self._stop.set()
        self._thread.join()
        self.sock.settimeout(0)
        while self._take():
            pass
        self.sock.close()
