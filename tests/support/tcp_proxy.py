"""A TCP proxy in front of a real service, so a test can cut the service off and bring it back."""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.support.services import free_port


class TcpProxy:
    """``cut()``: nothing listens any more and open connections drop; ``restore()`` undoes it.
    ``drop_on(marker)``: the next connection whose client sends ``marker`` is dropped there."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self.marker: bytes | None = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def drop_on(self, marker: bytes) -> None:
        self.marker = marker

    def cut(self) -> None:
        close(self.listener)  # shutdown first: a plain close leaves accept() listening
        with self.lock:
            for sock in self.sockets:
                close(sock)
            self.sockets.clear()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets.update((client, upstream))
            threading.Thread(target=self.pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, False), daemon=True).start()

    def pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self.marker and self.marker in data:
                    self.marker = None
                    break
                target.sendall(data)
        except OSError:
            pass
        close(source)
        close(target)


def close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
