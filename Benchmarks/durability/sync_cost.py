#!/usr/bin/env python3
"""What durability costs a step: raw-step throughput and latency of one `adam` float32 session
(1k, 100k and 1M elements) with one keep-alive client, against optd started three ways:

- memory:     no data directory;
- data-dir:   --data-dir (background saves of changed sessions every --save-interval, 5 s);
- sync-steps: --data-dir --sync-steps. Each step's response waits until the WHOLE session
              (params and every state buffer: 3 x 4 bytes x elements for adam float32) has been
              written to a temporary file, fsynced, renamed over the old one and the directory
              fsynced. Its cost grows with the session's size and with the disk's fsync latency.

With --keys every step carries an Idempotency-Key, as the Python client sends: a session
remembers hashes of the keys of its last 1024 steps and its file holds them, so a saved (and, with
--sync-steps, every) write carries them too.

Each mode is compared with memory-only measured in the same run: the three servers run side by
side and, for each size, take turns in short bursts (--rounds), so a change in the machine's
load affects all three alike. Run by hand (not in CI):

    swift build -c release --product optd
    python3 Benchmarks/durability/sync_cost.py [--seconds 6] [--rounds 6] [--sizes 1000,100000,1000000]

Standard library and numpy only.
"""
from __future__ import annotations

import argparse
import http.client
import json
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from optd_process import OptdProcess, default_binary

MODES: List[Tuple[str, bool, List[str]]] = [
    ("memory", False, []),
    ("data-dir", True, []),
    ("sync-steps", True, ["--sync-steps"]),
]


class Cell:
    """One session of one size on one server, stepped over one keep-alive connection."""

    def __init__(self, port: int, size: int, warmup: int, keys: bool) -> None:
        self.size = size
        self.keys = keys
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = json.dumps({"optimizer": "adam", "dtype": "float32", "params": [0.0] * size}).encode()
        self.conn.request("POST", "/v1/sessions", body, {"Content-Type": "application/json"})
        reply = self.conn.getresponse()
        created = reply.read()
        if reply.status != 201:
            raise SystemExit(f"create answered {reply.status}: {created[:300]!r}")
        self.sid = json.loads(created)["id"]
        self.grad = (np.random.default_rng(size).standard_normal(size) * 0.01).astype("<f4").tobytes()
        self.headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(self.grad))}
        self.latencies: List[float] = []
        self.busy = 0.0
        for _ in range(warmup):
            self.step()

    def step(self) -> float:
        headers = dict(self.headers, **{"Idempotency-Key": uuid.uuid4().hex}) if self.keys else self.headers
        t0 = time.perf_counter()
        self.conn.request("POST", f"/v1/sessions/{self.sid}/step", self.grad, headers)
        reply = self.conn.getresponse()
        out = reply.read()
        elapsed = time.perf_counter() - t0
        if reply.status != 200 or len(out) != 4 * self.size:
            raise SystemExit(f"step answered {reply.status}: {out[:300]!r}")
        return elapsed

    def burst(self, seconds: float, max_steps: int) -> None:
        start = time.perf_counter()
        for _ in range(max_steps):
            self.latencies.append(self.step())
            if time.perf_counter() - start >= seconds:
                break
        self.busy += time.perf_counter() - start

    def close(self) -> None:
        self.conn.request("DELETE", f"/v1/sessions/{self.sid}")
        self.conn.getresponse().read()
        self.conn.close()

    def result(self) -> Dict[str, float]:
        lat = np.array(self.latencies) * 1000
        return {"steps": len(self.latencies), "rate": len(self.latencies) / self.busy,
                "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, default=default_binary(), help="the optd binary (default $OPTD_BIN or .build/release/optd)")
    parser.add_argument("--sizes", default="1000,100000,1000000", help="session sizes in elements, comma-separated")
    parser.add_argument("--seconds", type=float, default=6.0, help="time spent stepping each size in each mode")
    parser.add_argument("--rounds", type=int, default=6, help="the modes take turns this many times per size")
    parser.add_argument("--max-steps", type=int, default=20000, help="at most this many steps per turn")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured steps first")
    parser.add_argument("--keys", action="store_true",
                        help="send an Idempotency-Key with every step, as the Python client does (use --warmup 1030 "
                             "for the steady state: a session keeps, and its file holds, hashes of the keys of its last 1024 steps)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    # The three servers run side by side; each size is measured in rounds that visit the modes
    # in turn (order rotated every round), so that a change in the machine's load hits all three.
    servers = {mode: OptdProcess(args.bin, data_dir=data_dir, extra=flags) for mode, data_dir, flags in MODES}
    results: Dict[Tuple[str, int], Dict[str, float]] = {}
    try:
        for size in sizes:
            cells = {mode: Cell(servers[mode].port, size, args.warmup, args.keys) for mode, _, _ in MODES}
            order = [mode for mode, _, _ in MODES]
            for r in range(args.rounds):
                for mode in order[r % len(order):] + order[:r % len(order)]:
                    cells[mode].burst(args.seconds / args.rounds, args.max_steps)
            for mode, cell in cells.items():
                cell.close()
                results[(mode, size)] = cell.result()
                print(f"  {mode:<10} {size:>9}: {results[(mode, size)]['rate']:9.1f} steps/s", file=sys.stderr)
    finally:
        for mode, server in servers.items():
            code = server.stop()
            if code != 0:
                print(f"optd ({mode}) exited {code} on SIGTERM", file=sys.stderr)

    print(f"\noptd sync cost: one adam float32 session, raw steps{' with Idempotency-Key' if args.keys else ''}, "
          f"one keep-alive client "
          f"({platform.machine()}, {platform.node()}, {args.seconds:g} s per cell)\n")
    print(f"| mode | elements | steps | steps/s | p50 ms | p99 ms | steps/s vs memory | p50 vs memory |")
    print(f"|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, _, _ in MODES:
        for size in sizes:
            r, base = results[(mode, size)], results[("memory", size)]
            print(f"| {mode} | {size} | {r['steps']} | {r['rate']:.1f} | {r['p50']:.3f} | {r['p99']:.3f} "
                  f"| {r['rate'] / base['rate']:.3f} | {r['p50'] / base['p50']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
