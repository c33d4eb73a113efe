"""The durability tests' harness: optd processes started, stopped (SIGTERM), killed (SIGKILL)
and restarted on a data directory, and a plain keep-alive HTTP client (no retries).

The binary is $OPTD_BIN (scripts/test sets it to the release build), else
<repo>/.build/release/optd. Every call that waits is bounded in time.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional

REPO = Path(__file__).resolve().parents[2]
OPTD_BIN = Path(os.environ.get("OPTD_BIN") or REPO / ".build" / "release" / "optd")

START_TIMEOUT = 30.0   # seconds for a start (loading every session file) until /healthz answers
STOP_TIMEOUT = 40.0    # seconds for a SIGTERM to end the process (its grace period is 30 s)


def binary_missing() -> Optional[str]:
    """Why the tests cannot run, or None when the binary is there."""
    if OPTD_BIN.is_file() and os.access(OPTD_BIN, os.X_OK):
        return None
    return (f"optd binary not found at {OPTD_BIN}: build it with "
            "`swift build -c release --product optd` or point OPTD_BIN at one")


class Reply(NamedTuple):
    status: int
    headers: Dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP/1.1 connection to optd. No retries: a failure of the connection is
    raised to the caller (the kill tests count on that), and the next request reconnects."""

    def __init__(self, port: int, api_key: Optional[str] = None, timeout: float = 15.0) -> None:
        self.port = port
        self.api_key = api_key
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Mapping[str, str]] = None) -> Reply:
        all_headers = {}
        if self.api_key is not None:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers or {})
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self._conn.request(method, path, body=body, headers=all_headers)
            response = self._conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        if reply.headers.get("connection", "").lower() == "close":
            self.close()
        return reply

    # Conveniences.
    def post_json(self, path: str, value: Any, headers: Optional[Mapping[str, str]] = None) -> Reply:
        return self.request("POST", path, json.dumps(value).encode(),
                            {"Content-Type": "application/json", **(headers or {})})

    def post_raw(self, path: str, data: bytes, headers: Optional[Mapping[str, str]] = None) -> Reply:
        return self.request("POST", path, data, {"Content-Type": "application/octet-stream", **(headers or {})})

    def get(self, path: str, headers: Optional[Mapping[str, str]] = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def create(self, body: Mapping[str, Any]) -> str:
        reply = self.post_json("/v1/sessions", body)
        assert reply.status == 201, f"create answered {reply.status}: {reply.body[:500]!r}"
        return reply.json()["id"]

    def export(self, sid: str) -> Any:
        reply = self.get(f"/v1/sessions/{sid}?include=state")
        assert reply.status == 200, f"GET {sid} answered {reply.status}: {reply.body[:300]!r}"
        return reply.json()

    def raw_params(self, sid: str) -> bytes:
        reply = self.get(f"/v1/sessions/{sid}", {"Accept": "application/octet-stream"})
        assert reply.status == 200, f"GET {sid} (raw) answered {reply.status}: {reply.body[:300]!r}"
        assert reply.headers.get("content-type", "").startswith("application/octet-stream")
        return reply.body


class Optd:
    """One optd process on 127.0.0.1, on a port it picked (--port 0, read from its listening
    line). stdout and stderr go to files in `log_dir` (so a chatty log never blocks it)."""

    def __init__(self, log_dir: Path, name: str, args: List[str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPTD_")}
        self.stdout_path = log_dir / f"{name}.stdout"
        self.stderr_path = log_dir / f"{name}.stderr"
        self.args = args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [str(OPTD_BIN), "--host", "127.0.0.1", "--port", "0", *args],
                cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.pid = self.process.pid
        self.port = self._wait_listening()
        self._wait_healthy()

    def _wait_listening(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"msg=listening .*?\bport=(\d+)", self.stderr())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"optd did not log msg=listening (exit {self.process.returncode}):\n{self.stderr()[-3000:]}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return
            except (OSError, http.client.HTTPException):
                pass  # refused while it comes up
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"optd never answered GET /healthz:\n{self.stderr()[-3000:]}")

    def client(self, api_key: Optional[str] = None, timeout: float = 15.0) -> Client:
        return Client(self.port, api_key, timeout)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Graceful stop; returns the exit code (a hang past STOP_TIMEOUT is killed and fails)."""
        if self.alive():
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"optd did not exit within {STOP_TIMEOUT} s of signal {sig}")
        return self.process.returncode

    def kill(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass


class Launcher:
    """Starts optd processes for one test and kills whatever is left at its end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: List[Optd] = []

    def start(self, data_dir: Optional[Path] = None, *args: str, log_level: str = "info") -> Optd:
        argv = ["--log-level", log_level]
        if data_dir is not None:
            argv += ["--data-dir", str(data_dir)]
        argv += list(args)
        server = Optd(self.log_dir, f"optd-{len(self.started)}", argv)
        self.started.append(server)
        return server

    def close(self) -> None:
        for server in self.started:
            server.kill()


def session_files(data: Path) -> List[str]:
    """The names of the files in the data directory's sessions/, sorted."""
    folder = data / "sessions"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def corrupt_files(data: Path) -> List[str]:
    """The names of the files optd set aside in corrupt/, sorted."""
    folder = data / "corrupt"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
