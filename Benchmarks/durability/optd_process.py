"""Shared by sync_cost.py and soak.py: start an optd binary on 127.0.0.1 (a port it picks), wait
until it answers /healthz, stop it with SIGTERM. Standard library only."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[2]


def default_binary() -> Path:
    return Path(os.environ.get("OPTD_BIN") or REPO / ".build" / "release" / "optd")


class OptdProcess:
    """optd with its stderr in a temporary file; `data_dir=True` gives it a fresh data directory."""

    def __init__(self, binary: Path, data_dir: bool = False, extra: Optional[List[str]] = None,
                 log_level: str = "warning") -> None:
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise SystemExit(f"optd binary not found at {binary}: build it with "
                             "`swift build -c release --product optd` or pass --bin / set OPTD_BIN")
        self.workdir = Path(tempfile.mkdtemp(prefix="optd-bench-"))
        self.data_dir: Optional[Path] = self.workdir / "data" if data_dir else None
        args = [str(binary), "--host", "127.0.0.1", "--port", "0", "--log-level", log_level]
        if self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        args += extra or []
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPTD_")}
        self.log_path = self.workdir / "optd.stderr"
        # At --log-level warning (no line per request) the "listening" line is not logged either:
        # the port is then read from /proc.
        with open(self.log_path, "wb") as err:
            self.process = subprocess.Popen(args, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=err)
        self.pid = self.process.pid
        self.port = self._find_port()
        self._wait_healthy()

    def _find_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            match = re.search(r"msg=listening .*?\bport=(\d+)", self.log())
            if match:
                return int(match.group(1))
            port = _listening_port(self.pid)
            if port:
                return port
            time.sleep(0.02)
        self.stop()
        raise SystemExit(f"optd did not start:\n{self.log()[-2000:]}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)
        self.stop()
        raise SystemExit(f"optd never answered /healthz:\n{self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_kib(self) -> Optional[int]:
        return rss_kib(self.pid)

    def stop(self) -> int:
        """SIGTERM, wait (40 s at most, then SIGKILL); removes the temporary directory."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.process.returncode


def rss_kib(pid: int) -> Optional[int]:
    """VmRSS of a process, in KiB (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def socket_count(pid: int) -> Optional[int]:
    """Open sockets of a process (its listening socket included)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    count = 0
    for fd in fds:
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass   # closed meanwhile
    return count


def _listening_port(pid: int) -> Optional[int]:
    """The TCP port a process listens on, from /proc (used when its log level hides the line)."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
                  if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")}
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:   # LISTEN
                    return int(parts[1].split(":")[1], 16)
    except (OSError, StopIteration, ValueError):
        return None
    return None
