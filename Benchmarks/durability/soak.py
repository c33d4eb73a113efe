#!/usr/bin/env python3
"""Soak: 64 clients, each on its own keep-alive connection stepping its own session (mixed
optimizers, dtypes and small sizes), for --duration seconds, against an optd this script starts
(with a fresh data directory) or one at --url. Reports steps/s, p50/p99 step latency, errors,
and the server's RSS (VmRSS from /proc/PID/status) sampled every 10 s: first, last, max and
growth after the warm-up.

Every step carries an Idempotency-Key (as the Python client sends), unless --no-keys. optd
remembers (hashes of) the keys of each session's last 1024 steps, so RSS grows until every session has made
that many steps: the warm-up lasts --warmup seconds (default a fifth of the run, at most 120 s)
and, with keys, until then. Growth is judged from the first sample after the warm-up to the end.

Exits non-zero when there was any error (a non-2xx answer, a connection that failed twice in a
row, a session whose step count disagrees with the steps acknowledged, optd not exiting 0 on
SIGTERM) or when RSS grew by more than --max-growth (10%) after the warm-up. A run too short to
finish its warm-up reports growth without judging it. Run by hand (not in CI):

    swift build -c release --product optd
    python3 Benchmarks/durability/soak.py                       # 600 s
    python3 Benchmarks/durability/soak.py --duration 60 --no-keys
    python3 Benchmarks/durability/soak.py --duration 60 --sync-steps
    python3 Benchmarks/durability/soak.py --url http://127.0.0.1:8080 --pid $(pidof optd)

Standard library and numpy only. 64 OS threads, one connection each: the client is Python, so
the figures measure optd under 64 concurrent keep-alive connections, not its peak throughput.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import sys
import threading
import time
import uuid
from array import array
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import numpy as np

from optd_process import OptdProcess, default_binary, rss_kib, socket_count

# (optimizer, hyperparameters): every optimizer, some variants.
OPTIMIZERS: List[Tuple[str, Dict[str, Any]]] = [
    ("adam", {}), ("adamw", {"weight_decay": 0.01}), ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("momentum", {}), ("nag", {}), ("adagrad", {}), ("adadelta", {}),
    ("rmsprop", {"centered": True, "momentum": 0.5}), ("adam", {"amsgrad": True}),
    ("nadam", {"variant": "seed"}), ("nadam", {"variant": "pytorch"}), ("nadam", {"variant": "optax"}),
]
SIZES = [16, 100, 1000, 4096, 10000]
KEY_HISTORY = 1024   # keys of earlier steps optd remembers per session (IdempotencyLog.history)
WIRE = {"float32": "<f4", "float64": "<f8"}


class Worker(threading.Thread):
    def __init__(self, index: int, host: str, port: int, api_key: Optional[str], stop: threading.Event,
                 keys: bool) -> None:
        super().__init__(daemon=True, name=f"soak-{index}")
        self.keys = keys
        self.index, self.host, self.port, self.api_key, self.stop = index, host, port, api_key, stop
        self.optimizer, self.hyper = OPTIMIZERS[index % len(OPTIMIZERS)]
        self.size = SIZES[index % len(SIZES)]
        self.dtype = "float32" if index % 3 else "float64"
        rng = np.random.default_rng(index)
        self.grads = [(rng.standard_normal(self.size) * 0.01).astype(WIRE[self.dtype]).tobytes() for _ in range(4)]
        self.latencies = array("d")
        self.steps = 0
        self.errors: List[str] = []
        self.reconnects = 0
        self.sid: Optional[str] = None
        self.conn: Optional[http.client.HTTPConnection] = None

    def headers(self, extra: Dict[str, str]) -> Dict[str, str]:
        h = dict(extra)
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def send(self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> Tuple[int, bytes]:
        """One request; after a connection failure, reconnects and sends it once more (steps carry
        an Idempotency-Key, so a retry is applied at most once)."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body, self.headers(headers))
                reply = self.conn.getresponse()
                return reply.status, reply.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")

    def run(self) -> None:
        try:
            params = np.zeros(self.size).tolist()
            half = self.size // 2
            body = {"optimizer": self.optimizer, "hyperparameters": self.hyper, "dtype": self.dtype,
                    "params": {"w": params[:half], "b": params[half:]} if self.index % 4 else params}
            status, data = self.send("POST", "/v1/sessions", json.dumps(body).encode(), {"Content-Type": "application/json"})
            if status != 201:
                self.errors.append(f"create: {status} {data[:200]!r}")
                return
            self.sid = json.loads(data)["id"]
            path = f"/v1/sessions/{self.sid}/step"
            for n in itertools.count():
                if self.stop.is_set():
                    break
                grad = self.grads[n % len(self.grads)]
                headers = {"Content-Type": "application/octet-stream"}
                if self.keys:
                    headers["Idempotency-Key"] = uuid.uuid4().hex
                t0 = time.perf_counter()
                status, data = self.send("POST", path, grad, headers)
                t1 = time.perf_counter()
                if status != 200 or len(data) != len(grad):
                    self.errors.append(f"step {n + 1}: {status} {data[:200]!r}")
                    if len(self.errors) >= 5:
                        return
                    continue
                self.steps += 1
                self.latencies.append(t1 - t0)
        except Exception as error:  # a connection that failed twice in a row, or anything else
            self.errors.append(f"{type(error).__name__}: {error}")

    def check_and_delete(self) -> None:
        """The session's step must equal the steps acknowledged; then it is deleted."""
        if self.sid is None:
            return
        try:
            status, data = self.send("GET", f"/v1/sessions/{self.sid}", None, {})
            if status != 200:
                self.errors.append(f"final GET: {status}")
            elif json.loads(data)["step"] != self.steps:
                self.errors.append(f"session at step {json.loads(data)['step']}, {self.steps} acknowledged")
            status, _ = self.send("DELETE", f"/v1/sessions/{self.sid}", None, {})
            if status != 204:
                self.errors.append(f"DELETE: {status}")
        except Exception as error:
            self.errors.append(f"final check: {type(error).__name__}: {error}")
        finally:
            if self.conn is not None:
                self.conn.close()


def mib(kib: Optional[int]) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600, help="seconds of stepping (default 600)")
    parser.add_argument("--clients", type=int, default=64, help="client threads, one connection and session each")
    parser.add_argument("--url", help="an optd already running (default: start one with a fresh --data-dir)")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for its RSS")
    parser.add_argument("--api-key", help="with --url: the server's API key")
    parser.add_argument("--bin", type=Path, default=default_binary(), help="the optd binary to start")
    parser.add_argument("--sync-steps", action="store_true", help="start optd with --sync-steps")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before the RSS baseline (default: a fifth of the duration, at most 120)")
    parser.add_argument("--max-growth", type=float, default=0.10, help="RSS growth after warm-up that fails the run")
    parser.add_argument("--no-keys", action="store_true", help="steps without Idempotency-Key")
    args = parser.parse_args()
    warmup = args.warmup if args.warmup is not None else min(120.0, args.duration / 5)

    server: Optional[OptdProcess] = None
    if args.url:
        parts = urlsplit(args.url)
        host, port, pid = parts.hostname or "127.0.0.1", parts.port or 80, args.pid
    else:
        server = OptdProcess(args.bin, data_dir=True, extra=["--sync-steps"] if args.sync_steps else [])
        host, port, pid = "127.0.0.1", server.port, server.pid
    print(f"soak: {args.clients} clients against {host}:{port} (pid {pid or 'unknown'}) for {args.duration:g} s; "
          f"{'optd started here with a data dir' + (' and --sync-steps' if args.sync_steps else '') if server else 'external optd'}",
          flush=True)

    stop = threading.Event()
    workers = [Worker(i, host, port, args.api_key, stop, not args.no_keys) for i in range(args.clients)]
    started = time.monotonic()
    for w in workers:
        w.start()
    # (t, rss KiB, sockets, fewest steps of one session)
    samples: List[Tuple[float, Optional[int], Optional[int], int]] = []
    next_sample = started
    steps_before, t_before = 0, started
    while True:
        now = time.monotonic()
        if now >= next_sample:
            steps = sum(w.steps for w in workers)
            rss = rss_kib(pid) if pid else None
            sockets = socket_count(pid) if pid else None
            samples.append((now - started, rss, sockets, min(w.steps for w in workers)))
            rate = (steps - steps_before) / (now - t_before) if now > t_before else 0.0
            print(f"  t={now - started:6.1f} s  steps={steps:9d}  {rate:8.1f} steps/s  rss={mib(rss)}  "
                  f"server sockets={sockets if sockets is not None else 'n/a'}  "
                  f"errors={sum(len(w.errors) for w in workers)}", flush=True)
            steps_before, t_before = steps, now
            next_sample += args.sample
        if now - started >= args.duration:
            break
        time.sleep(min(0.5, max(0.0, min(next_sample, started + args.duration) - now)))
    stop.set()
    elapsed = time.monotonic() - started
    for w in workers:
        w.join(60)
    hung = [w.name for w in workers if w.is_alive()]
    final_rss = rss_kib(pid) if pid else None
    for w in workers:
        if not w.is_alive():
            w.check_and_delete()

    exit_code: Optional[int] = None
    if server is not None:
        exit_code = server.stop()

    steps = sum(w.steps for w in workers)
    latencies = np.concatenate([np.frombuffer(w.latencies, dtype=np.float64) for w in workers if len(w.latencies)]) * 1000 \
        if steps else np.zeros(1)
    errors = [f"{w.name}: {e}" for w in workers for e in w.errors] + [f"{name}: did not stop" for name in hung]
    if exit_code not in (None, 0):
        errors.append(f"optd exited {exit_code} on SIGTERM")
    reconnects = sum(w.reconnects for w in workers)

    print(f"\nsteps: {steps} in {elapsed:.1f} s = {steps / elapsed:.1f} steps/s; "
          f"latency p50 {np.percentile(latencies, 50):.3f} ms, p99 {np.percentile(latencies, 99):.3f} ms, "
          f"max {latencies.max():.1f} ms; reconnects {reconnects}; errors {len(errors)}")
    growth_failed = False
    # Warm-up: --warmup seconds, and (with keys) until every session's idempotency log is full:
    # optd remembers hashes of the keys of a session's last 1024 steps (16 bytes each): bounded, expected growth.
    least = 0 if args.no_keys else KEY_HISTORY + 1
    rss_samples = [(t, r, fewest) for t, r, _, fewest in samples if r is not None]
    if rss_samples:
        warm = [(t, r) for t, r, fewest in rss_samples if t >= warmup and fewest >= least]
        last = final_rss or rss_samples[-1][1]
        peak = max([r for _, r, _ in rss_samples] + [last])
        sockets_seen = [s for _, _, s, _ in samples if s is not None]
        line = (f"rss: first {mib(rss_samples[0][1])}, last {mib(last)}, max {mib(peak)}, "
                f"growth over the run {(last - rss_samples[0][1]) / rss_samples[0][1] * 100:+.1f}%")
        if warm:
            growth = (last - warm[0][1]) / warm[0][1]
            growth_failed = growth > args.max_growth
            line += (f"; after warm-up (t={warm[0][0]:.0f} s, {mib(warm[0][1])}) {growth * 100:+.1f}% "
                     f"(limit {args.max_growth * 100:.0f}%)")
        else:
            line += (f"; warm-up not reached (--warmup {warmup:g} s"
                     + (f" and {least} steps per session, for the idempotency logs" if least else "")
                     + "): growth not judged")
        if sockets_seen:
            line += f"; server sockets {min(sockets_seen)}-{max(sockets_seen)}"
        print(line)
    else:
        print("rss: not sampled (pass --pid with --url)")
    for e in errors[:20]:
        print("error:", e)
    if errors or growth_failed:
        print("soak: FAILED" + (" (errors)" if errors else "") + (" (RSS growth)" if growth_failed else ""))
        return 1
    print("soak: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
