"""Fixtures: a live optd server (binary from $OPTD_BIN, default <repo>/.build/debug/optd), clients,
and a TCP proxy that can lose a response, to test retries."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

import optd

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "Tests" / "Fixtures" / "vectors"
OPTD_BIN = Path(os.environ.get("OPTD_BIN", REPO / ".build" / "debug" / "optd"))
API_KEY = "test-key-0123456789"


class Server:
    """An optd process listening on 127.0.0.1 on a port it picked (--port 0)."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPTD_")}
        self.process = subprocess.Popen(
            [str(OPTD_BIN), "--host", "127.0.0.1", "--port", "0", "--log-level", "info", *args],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.log: List[str] = []
        self.port: Optional[int] = None
        self._listening = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._listening.wait(30) or self.port is None:
            self.stop()
            raise RuntimeError("optd did not log msg=listening within 30 s:\n" + "".join(self.log[-30:]))
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_healthy()

    def _drain(self) -> None:
        """Reads stderr (so the pipe never fills), catching the port from the listening line."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)
            if self.port is None and "msg=listening" in line:
                match = re.search(r"\bport=(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                self._listening.set()
        self._listening.set()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("optd never answered GET /healthz:\n" + "".join(self.log[-30:]))
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _require_binary() -> None:
    if not OPTD_BIN.is_file():
        pytest.skip(f"optd binary not found at {OPTD_BIN}: build it with `swift build --product optd` "
                    "or point OPTD_BIN at one", allow_module_level=False)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    _require_binary()
    s = Server()
    yield s
    s.stop()
    assert s.process.returncode == 0, "optd did not exit 0 on SIGTERM:\n" + "".join(s.log[-20:])


@pytest.fixture(scope="session")
def keyed_server() -> Iterator[Server]:
    _require_binary()
    s = Server("--api-key", API_KEY)
    yield s
    s.stop()


@pytest.fixture
def client(server: Server) -> Iterator[optd.Client]:
    c = optd.Client(server.url)
    yield c
    c.close()


class Proxy:
    """Forwards 127.0.0.1 connections to the server. Armed with `lose_response_of(marker)`, it
    forwards the first request whose bytes contain `marker` and then closes that connection
    instead of returning the response (the server has applied the request; the client never
    hears of it). `lose_request_of(marker)` closes before forwarding it. `hold` delays the
    lost response that long first (to make the client time out)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.marker: Optional[bytes] = None
        self.mode = ""
        self.hold = 0.0
        self.triggered = 0
        self.connections = 0
        self._open: List[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_response_of(self, marker: bytes, hold: float = 0.0) -> None:
        self.marker, self.mode, self.hold = marker, "response", hold

    def lose_request_of(self, marker: bytes) -> None:
        self.marker, self.mode = marker, "request"

    def close_connections(self) -> None:
        """Closes every open connection, as a server closing idle keep-alive connections would."""
        with self._lock:
            for s in self._open:
                _close(s)
            self._open.clear()

    def close(self) -> None:
        self.close_connections()
        _close(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self.connections += 1
                self._open += [downstream, upstream]
            state = {"lose_response": False}
            threading.Thread(target=self._pump_up, args=(downstream, upstream, state), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(upstream, downstream, state), daemon=True).start()

    def _pump_up(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.marker is not None and self.marker in data:
                    with self._lock:
                        armed, self.marker = self.mode, None
                    self.triggered += 1
                    if armed == "request":
                        break
                    state["lose_response"] = True
                dst.sendall(data)
        except OSError:
            pass
        if not state["lose_response"]:
            _close(src)
            _close(dst)

    def _pump_down(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if state["lose_response"]:
                    time.sleep(self.hold)
                    break
                dst.sendall(data)
        except OSError:
            pass
        _close(src)
        _close(dst)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


@pytest.fixture
def proxy(server: Server) -> Iterator[Proxy]:
    p = Proxy(server.port)
    yield p
    p.close()
