"""A small fault-injecting TCP proxy for sync tests on loopback (there is no toxiproxy here).

Each accepted connection is piped to the upstream in both directions by two threads. Faults are set on the proxy
between requests and apply to new connections: `delay` (seconds before each forwarded chunk), `cut_upload_after`
(bytes client → server after which the connection is reset), `cut_download_after` (the same for server → client:
the response is lost after the server acted on the request), `duplicate_upload` (the first request of a
connection is sent twice, as a retrying middlebox might), `reset_chance` (each forwarded chunk resets its connection
with this probability, drawn from the proxy's seeded generator), `reset_every` (every Nth chunk the proxy forwards,
counted over all connections, resets its connection: faults that surely happen, yet let a retry through),
`cut_total_after` (the connection carrying the proxy's `bytes_up` past this total is reset there: a cut at a point
of a transfer whatever connections the client opens; read live, so `once` disarms it for every connection),
`duplicate_every` (every Nth connection's requests are also sent, byte for byte, on a second connection to the
upstream whose answers are dropped: each request arrives twice, concurrently, and the client's own connection stays
in step with its answers, unlike `duplicate_upload`) and `once` (the first reset disarms the faults, so
"cut at 6 MB" happens to one connection only). `bytes_up`/`bytes_down` count what was forwarded; `cut_at_up` is
`bytes_up` at the last reset.
"""
import random
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What the proxy does to the next connections."""

    delay: float = 0.0
    cut_upload_after: int | None = None
    cut_download_after: int | None = None
    duplicate_upload: bool = False
    reset_chance: float = 0.0
    reset_every: int = 0
    cut_total_after: int | None = None
    duplicate_every: int = 0
    once: bool = False


@dataclass
class FaultProxy:
    """Listen on a free loopback port and forward to upstream_port, with faults."""

    upstream_port: int
    faults: Faults = field(default_factory=Faults)
    bytes_up: int = 0
    bytes_down: int = 0
    resets: int = 0
    seed: int = 0
    cut_at_up: int = 0
    duplicated: int = 0

    def __post_init__(self):
        self._random = random.Random(self.seed)
        self._chunks = self._connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._stopping = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()

    def stop(self) -> None:
        """Stop accepting and close every open connection."""
        self._stopping = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            except OSError:
                _close(client)  # upstream down: the client sees a reset, as with a dead server
                continue
            with self._lock:
                self._sockets += [client, upstream]
            faults = Faults(**vars(self.faults))
            self._connections += 1
            twin = None
            if faults.duplicate_every and self._connections % faults.duplicate_every == 0:
                try:
                    twin = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
                    threading.Thread(target=_drain, args=(twin,), daemon=True).start()
                    with self._lock:
                        self._sockets.append(twin)
                        self.duplicated += 1
                except OSError:
                    twin = None
            threading.Thread(target=self._pipe, args=(client, upstream, "up", faults, twin), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, "down", faults), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, direction: str, faults: Faults,
              twin: socket.socket | None = None) -> None:
        limit = faults.cut_upload_after if direction == "up" else faults.cut_download_after
        sent, first = 0, True
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    target.shutdown(socket.SHUT_WR)
                    if twin is not None:
                        _close(twin)
                    return
                if faults.delay:
                    time.sleep(faults.delay)
                if self._unlucky(faults):
                    self._reset(source, target, faults)
                    return
                total = self.faults.cut_total_after if direction == "up" else None
                if total is not None and self.bytes_up + len(chunk) > total:
                    part = chunk[:max(total - self.bytes_up, 0)]
                    self._count(direction, len(part))
                    target.sendall(part)
                    self._reset(source, target, self.faults)
                    return
                if limit is not None and sent + len(chunk) > limit:
                    part = chunk[:limit - sent]
                    self._count(direction, len(part))
                    target.sendall(part)
                    self._reset(source, target, faults)
                    return
                # Counted before it goes: the peer may read it (and a test the count) before sendall returns here.
                self._count(direction, len(chunk))
                target.sendall(chunk)
                if twin is not None:
                    try:
                        twin.sendall(chunk)
                    except OSError:
                        twin = None
                if direction == "up" and first and faults.duplicate_upload:
                    target.sendall(chunk)
                first = False
                sent += len(chunk)
        except OSError:
            _close(source)
            _close(target)

    def _count(self, direction: str, n: int) -> None:
        with self._lock:
            if direction == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n

    def _unlucky(self, faults: Faults) -> bool:
        """Whether this chunk resets its connection (reset_chance, reset_every)."""
        with self._lock:
            self._chunks += 1
            if faults.reset_every and self._chunks % faults.reset_every == 0:
                return True
            return bool(faults.reset_chance) and self._random.random() < faults.reset_chance

    def _reset(self, source: socket.socket, target: socket.socket, faults: Faults) -> None:
        with self._lock:
            self.resets += 1
            self.cut_at_up = self.bytes_up
            if faults.once:
                self.faults = Faults(delay=self.faults.delay)
        for sock in (source, target):
            try:
                # RST where the socket is ours alone; shutdown first wakes the other pipe thread blocked in recv on
                # it (a close under a blocked recv would leave the connection open on Linux).
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            _close(sock)


def _drain(sock: socket.socket) -> None:
    """Read and drop a duplicate's answers until the upstream closes."""
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
