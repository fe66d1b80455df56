"""A small TCP proxy on loopback that a test can cut and restore, to make a database 'go away'.

``cut()`` closes the listening socket and every proxied connection (the app sees its connections
drop and new ones refused); ``blackhole()`` keeps accepting but never answers (the app's connect
attempts hang until their timeout); ``restore()`` listens again on the same port and forwards.
"""
from __future__ import annotations

import socket
import threading

BUFFER = 65536


class TcpProxy:
    """Forward 127.0.0.1:<port> to ``upstream`` until cut."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._forwarding = True

    # ------------------------------------------------------------------ control

    def start(self) -> "TcpProxy":
        """Listen (on a free port the first time, on the same port afterwards) and forward."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._forwarding = True
        self._spawn(self._accept_loop, listener)
        return self

    def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        self._drop_all()

    def blackhole(self) -> None:
        """Drop every open connection; keep accepting new ones but never forward or answer."""
        self._forwarding = False
        self._drop_all()

    def restore(self) -> None:
        """Forward again (listening anew on the same port after a cut)."""
        self._forwarding = True
        self._drop_all()  # connections swallowed by a black hole are dropped, not revived
        if self._listener is None:
            self.start()

    def close(self) -> None:
        """Stop for good and wait for the threads."""
        self.cut()
        for thread in self._threads:
            thread.join(timeout=5)

    # ------------------------------------------------------------------ plumbing

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _drop_all(self) -> None:
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _close(sock)

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by cut()
                return
            self.accepted += 1
            client.settimeout(None)
            self._track(client)
            if not self._forwarding:
                continue  # black hole: hold the connection open, say nothing
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            self._track(server)
            self._spawn(self._pump, client, server)
            self._spawn(self._pump, server, client)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(BUFFER)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
