"""SIGKILL during a stream of steps, again and again, restarting on the same data directory.

The sessions make correctness checkable: `sgd`, lr 1, momentum 0, gradient -1 per step, so that
params == step exactly; and adam/nadam sessions that must load finite and self-consistent.
Client threads (2-4, each with its own sessions, one request in flight per session) record
every acknowledged step with a monotonic timestamp; the test records the moment of each kill.
After each restart, for every session ever created:
- it loads (200), and nothing was set aside in corrupt/;
- step_loaded <= last acknowledged + 1 (the step in flight may have landed);
- without --sync-steps: step_loaded >= the last step acknowledged at or before
  kill_time - save_interval - slack (background saves every save_interval);
  the slack is the duration of one save pass: passes start every save_interval (from the start
  of the previous one) and write up to 16 sessions at once, each a crash-safe write (temporary
  file, fsync, rename, directory fsync: ~11 ms on this disk). Measured with save_interval 0.3 s
  and 10 sessions stepped by 2-4 threads, the oldest acknowledged step lost to a kill was
  0.30 s old on an idle 2-core machine (twice), and 1.66 s while another process wrote 5 GB to
  the same disk (fsync then stalls); the slack of 1.0 s leaves room for a busy CI disk. To keep
  the floor from being vacuous, the default-mode cycles stream for 0.3-3.5 s before each kill;
- with --sync-steps: step_loaded >= last acknowledged;
- sgd: params == step_loaded (state and step are saved together).
"""
from __future__ import annotations

import http.client
import json
import math
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest

from durability_harness import Client, Launcher, Optd, corrupt_files

SAVE_INTERVAL = 0.3   # seconds, --save-interval
SLACK = 1.0           # seconds allowed beyond one save interval (one pass's own duration; see above)
WIRE = {"float32": "<f4", "float64": "<f8"}


@dataclass
class Tracked:
    """One session and what the clients know of it."""
    sid: str
    kind: str                      # "counter" (sgd, params == step) or "adaptive"
    dtype: str
    sizes: Optional[Dict[str, int]]
    total: int
    baseline: int = 0              # the step it was loaded at, at the start of this cycle
    acks: List[Tuple[int, float]] = field(default_factory=list)   # (step, monotonic time)

    def last_acked(self) -> int:
        return self.acks[-1][0] if self.acks else self.baseline

    def acked_by(self, moment: float) -> int:
        return max([s for s, t in self.acks if t <= moment], default=self.baseline)


def counter_body(dtype: str, sizes: Optional[Dict[str, int]], total: int) -> Dict[str, Any]:
    params: Any = {name: [0.0] * n for name, n in sizes.items()} if sizes else [0.0] * total
    return {"optimizer": "sgd", "hyperparameters": {"lr": 1.0, "momentum": 0.0}, "dtype": dtype, "params": params}


def create(client: Client, body: Dict[str, Any], kind: str) -> Tracked:
    sizes = {k: len(v) for k, v in body["params"].items()} if isinstance(body["params"], dict) else None
    total = sum(sizes.values()) if sizes else len(body["params"])
    return Tracked(client.create(body), kind, body.get("dtype", "float32"), sizes, total)


def initial_sessions(client: Client, rng: np.random.Generator) -> List[Tracked]:
    out = [
        create(client, counter_body("float64", None, 8), "counter"),
        create(client, counter_body("float64", {"a": 5, "b": 3}, 8), "counter"),
        create(client, counter_body("float64", None, 1), "counter"),
        create(client, counter_body("float32", {"w": 17}, 17), "counter"),
        create(client, counter_body("float64", {"w": 33, "b": 2}, 35), "counter"),
    ]
    for optimizer, hyper, dtype, size in [
        ("adam", {"lr": 0.01}, "float32", 1000),
        ("nadam", {"variant": "pytorch"}, "float64", 300),
        ("nadam", {"variant": "optax"}, "float32", 64),
        ("nadam", {"variant": "seed", "weight_decay": 0.01}, "float64", 9),
    ]:
        body = {"optimizer": optimizer, "hyperparameters": hyper, "dtype": dtype,
                "params": {"w": rng.standard_normal(size).astype(WIRE[dtype]).tolist()}}
        out.append(create(client, body, "adaptive"))
    return out


class Streamer(threading.Thread):
    """Steps its sessions round-robin until the connection fails (the kill) or a bound is hit."""

    def __init__(self, server: Optd, sessions: List[Tracked], seed: int) -> None:
        super().__init__(daemon=True)
        self.client = server.client(timeout=10)
        self.sessions = sessions
        self.rng = np.random.default_rng(seed)
        self.errors: List[str] = []
        self.ended_by: Optional[str] = None
        self.ended_at = 0.0

    def body(self, s: Tracked, n: int) -> Tuple[bytes, str]:
        if s.kind == "counter":
            if n % 3 == 0:
                grad: Any = {k: [-1.0] * v for k, v in s.sizes.items()} if s.sizes else [-1.0] * s.total
                return json.dumps({"gradients": grad}).encode(), "application/json"
            return np.full(s.total, -1.0, WIRE[s.dtype]).tobytes(), "application/octet-stream"
        return (self.rng.standard_normal(s.total) * 0.1).astype(WIRE[s.dtype]).tobytes(), "application/octet-stream"

    def run(self) -> None:
        deadline = time.monotonic() + 30
        try:
            for n in range(200_000):
                if time.monotonic() > deadline:
                    self.ended_by = "time bound"
                    return
                s = self.sessions[n % len(self.sessions)]
                payload, content_type = self.body(s, n // len(self.sessions))
                try:
                    reply = self.client.request("POST", f"/v1/sessions/{s.sid}/step", payload,
                                                {"Content-Type": content_type,
                                                 "Accept": "application/octet-stream"})
                except (OSError, http.client.HTTPException) as error:
                    self.ended_by = f"{type(error).__name__}: {error}"
                    return
                acked_at = time.monotonic()
                if reply.status != 200:
                    self.errors.append(f"{s.sid}: status {reply.status}: {reply.body[:200]!r}")
                    return
                step = int(reply.headers["optimizer-step"])
                if step != s.last_acked() + 1:
                    self.errors.append(f"{s.sid}: acknowledged step {step} after {s.last_acked()}")
                if s.kind == "counter":
                    values = np.frombuffer(reply.body, WIRE[s.dtype])
                    if values.size != s.total or not np.all(values == step):
                        self.errors.append(f"{s.sid}: step {step} answered params {values[:4]}")
                s.acks.append((step, acked_at))
            self.ended_by = "count bound"
        finally:
            self.ended_at = time.monotonic()
            self.client.close()


def check_loaded(client: Client, s: Tracked, kill_time: float, sync: bool, cycle: int) -> int:
    """Checks one session after a restart; returns the step it loaded at."""
    where = f"cycle {cycle}, session {s.sid} ({s.kind} {s.dtype})"
    first = client.get(f"/v1/sessions/{s.sid}?include=state")
    assert first.status == 200, f"{where}: GET answered {first.status}"
    doc = first.json()
    loaded = doc["step"]
    assert first.headers.get("etag") == f'"{loaded}"', where
    last = s.last_acked()
    assert loaded <= last + 1, f"{where}: loaded step {loaded}, but only {last} acknowledged"
    if sync:
        assert loaded >= last, f"{where}: --sync-steps lost acknowledged steps: loaded {loaded}, acknowledged {last}"
    else:
        floor = s.acked_by(kill_time - SAVE_INTERVAL - SLACK)
        assert loaded >= floor, (f"{where}: loaded step {loaded}, but step {floor} was acknowledged more than "
                                 f"{SAVE_INTERVAL} s + {SLACK} s before the kill (last acknowledged {last})")
    raw = client.get(f"/v1/sessions/{s.sid}", {"Accept": "application/octet-stream"})
    assert raw.status == 200 and raw.headers.get("optimizer-step") == str(loaded), where
    values = np.frombuffer(raw.body, WIRE[s.dtype])
    assert values.size == s.total, where
    flat_json = np.concatenate([np.asarray(v, WIRE[s.dtype]) for v in doc["params"].values()]) \
        if isinstance(doc["params"], dict) else np.asarray(doc["params"], WIRE[s.dtype])
    assert np.array_equal(values, flat_json), f"{where}: raw and JSON params differ"
    if s.kind == "counter":
        assert np.all(values == loaded), f"{where}: params {values[:4]} at step {loaded}"
    else:
        assert np.all(np.isfinite(values)), where
        for buffer in doc["state"].values():
            if isinstance(buffer, dict):
                for v in buffer.values():
                    assert np.all(np.isfinite(v)), where
            elif isinstance(buffer, list):
                assert np.all(np.isfinite(buffer)), where
            elif isinstance(buffer, float):
                assert math.isfinite(buffer), where
        second = client.get(f"/v1/sessions/{s.sid}?include=state")
        assert second.status == 200 and second.json() == doc, f"{where}: a second GET differs"
    return loaded


def kill_cycles(launcher: Launcher, data_dir: Path, kills: int, sync: bool, seed: int,
                stream_seconds: Tuple[float, float]) -> None:
    flags = ["--save-interval", str(SAVE_INTERVAL)] + (["--sync-steps"] if sync else [])
    rng = random.Random(seed)
    server = launcher.start(data_dir, *flags)
    client = server.client()
    sessions = initial_sessions(client, np.random.default_rng(seed))
    client.close()
    lost, oldest_lost = 0, 0.0
    for cycle in range(kills):
        client = server.client()
        # A session created this cycle (before the stream or right before the kill) is stepped from the next.
        create_last = rng.random() < 0.5
        if not create_last:
            sessions.append(create(client, counter_body("float64", None, 4), "counter"))
        # The first sessions and the newest one are stepped (at most 10 files per save pass: each
        # crash-safe write costs ~11 ms of fsyncs here, and a pass writes them one after another);
        # the others must still load, at the step they were left at.
        stepping = sessions[:9] + [s for s in sessions[9:] if s is sessions[-1]]
        threads = rng.choice([2, 3, 4])
        rng.shuffle(stepping)
        streamers = [Streamer(server, stepping[k::threads], seed * 1000 + cycle * 10 + k) for k in range(threads)]
        for st in streamers:
            st.start()
        time.sleep(rng.uniform(*stream_seconds))
        if create_last:
            sessions.append(create(client, counter_body("float64", {"x": 3}, 3), "counter"))
        client.close()
        kill_time = time.monotonic()
        server.kill()
        for st in streamers:
            st.join(20)
            assert not st.is_alive(), "a client thread did not stop after the kill"
            assert not st.errors, st.errors
            assert st.ended_at >= kill_time, f"a client thread stopped before the kill: {st.ended_by}"

        server = launcher.start(data_dir, *flags)
        assert corrupt_files(data_dir) == [], f"cycle {cycle}: files set aside: {corrupt_files(data_dir)}"
        assert "level=error" not in server.stderr(), server.stderr()
        client = server.client()
        listed = {s["id"] for s in client.get("/v1/sessions").json()["sessions"]}
        assert listed == {s.sid for s in sessions}, f"cycle {cycle}: sessions lost or added by the restart"
        for s in sessions:
            loaded = check_loaded(client, s, kill_time, sync, cycle)
            lost += max(0, s.last_acked() - loaded)
            oldest_lost = max([oldest_lost] + [kill_time - t for step, t in s.acks if step > loaded])
            s.baseline, s.acks = loaded, []
        client.close()
    assert server.stop() == 0
    if sync:
        assert lost == 0
    print(f"\n{kills} kills, sync={sync}: {lost} acknowledged steps lost in all; the oldest was acknowledged "
          f"{oldest_lost:.3f} s before its kill (allowed without --sync-steps: {SAVE_INTERVAL + SLACK} s)")


def test_sigkill_without_sync_steps(launcher: Launcher, data_dir: Path) -> None:
    kill_cycles(launcher, data_dir, kills=12, sync=False, seed=7, stream_seconds=(0.3, 3.5))


def test_sigkill_with_sync_steps(launcher: Launcher, data_dir: Path) -> None:
    kill_cycles(launcher, data_dir, kills=10, sync=True, seed=11, stream_seconds=(0.3, 1.5))


@pytest.mark.parametrize("sync", [False, True], ids=["default", "sync-steps"])
def test_created_session_survives_an_immediate_kill(launcher: Launcher, data_dir: Path, sync: bool) -> None:
    """A new session is on disk before its 201, in every mode."""
    flags = ["--save-interval", "3600"] + (["--sync-steps"] if sync else [])
    ids = []
    for _ in range(3):
        server = launcher.start(data_dir, *flags)
        client = server.client()
        ids.append(client.create(counter_body("float64", {"w": 2}, 2)))
        server.kill()   # right after the 201
        client.close()
    server = launcher.start(data_dir, *flags)
    client = server.client()
    assert {s["id"] for s in client.get("/v1/sessions").json()["sessions"]} == set(ids)
    client.close()
