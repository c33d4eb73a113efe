"""Restarts on a data directory: a graceful stop (SIGTERM/SIGINT) loses nothing and a restarted
session continues bit for bit like one that never stopped; corrupt files are set aside; deleted
sessions stay deleted; the API key never reaches the logs.

Exports are compared as parsed JSON: optd writes every number shortest-round-trip, so equal
values give equal documents and the comparison is exact.
"""
from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest

from durability_harness import Client, Launcher, Reply, corrupt_files, session_files

SEED = 20261125
NAMED = {"weight": 37, "bias": 5}   # 42 values: SIMD blocks and a tail

# Every optimizer, with non-default hyperparameters wherever they have a state consequence.
CONFIGS: List[Tuple[str, Dict[str, Any]]] = [
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("momentum", {"lr": 0.02, "momentum": 0.8, "maximize": True}),
    ("nag", {"lr": 0.02, "momentum": 0.9}),
    ("adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}),
    ("adadelta", {"rho": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 1e-3}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.05}),
    ("nadam", {"lr": 0.01, "variant": "seed"}),
    ("nadam", {"lr": 0.01, "variant": "pytorch", "momentum_decay": 0.01}),
    ("nadam", {"lr": 0.01, "variant": "optax", "decoupled_weight_decay": True, "weight_decay": 0.01}),
]
DTYPES = ["float32", "float64"]
WIRE = {"float32": "<f4", "float64": "<f8"}


def sid_path(sid: str, suffix: str = "") -> str:
    return f"/v1/sessions/{sid}{suffix}"


class Spec:
    """One session to create on two servers: its body, layout and the gradients of its steps."""

    def __init__(self, label: str, optimizer: str, hyper: Dict[str, Any], dtype: str,
                 sizes: Optional[Dict[str, int]], bare_size: int, rng: np.random.Generator) -> None:
        self.label = label
        self.dtype = dtype
        self.sizes = sizes
        self.total = sum(sizes.values()) if sizes else bare_size
        params = self.values(rng, 1.0)
        self.body = {"optimizer": optimizer, "hyperparameters": hyper, "dtype": dtype,
                     "params": self.tensors(params)}

    def values(self, rng: np.random.Generator, scale: float) -> np.ndarray:
        return (rng.standard_normal(self.total) * scale).astype(WIRE[self.dtype])

    def tensors(self, flat: np.ndarray) -> Any:
        if self.sizes is None:
            return flat.tolist()
        out, at = {}, 0
        for name, size in self.sizes.items():
            out[name] = flat[at:at + size].tolist()
            at += size
        return out

    def step(self, client: Client, sid: str, grad: np.ndarray, mode: str, key: str) -> Reply:
        headers = {"Idempotency-Key": key}
        if mode == "raw":
            reply = client.post_raw(sid_path(sid, "/step"), grad.astype(WIRE[self.dtype]).tobytes(), headers)
        else:
            reply = client.post_json(sid_path(sid, "/step"), {"gradients": self.tensors(grad)}, headers)
        assert reply.status == 200, f"{self.label}: step answered {reply.status}: {reply.body[:300]!r}"
        return reply


def specs(rng: np.random.Generator) -> List[Spec]:
    out = [Spec(f"{opt}/{h.get('variant', '')}/{dtype}", opt, h, dtype, NAMED, 0, rng)
           for opt, h in CONFIGS for dtype in DTYPES]
    out.append(Spec("adam/bare/float64", "adam", {"lr": 0.03}, "float64", None, 11, rng))
    out.append(Spec("nag/bare/float32", "nag", {"lr": 0.03, "momentum": 0.5}, "float32", None, 9, rng))
    return out


def log_lines(text: str, *needles: str) -> List[str]:
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def without_identity(document: Dict[str, Any]) -> Dict[str, Any]:
    """A session document minus what differs between twins on two servers."""
    return {k: v for k, v in document.items() if k not in ("id", "created_at", "updated_at")}


def test_sigterm_restart_restores_every_optimizer_exactly(launcher: Launcher, data_dir: Path) -> None:
    rng = np.random.default_rng(SEED)
    # A long save interval: whatever is on disk at the restart was written by the SIGTERM.
    durable = launcher.start(data_dir, "--save-interval", "3600")
    twin = launcher.start(None)   # memory only, never restarted
    a, t = durable.client(), twin.client()

    sessions: List[Tuple[Spec, str, str, Reply, Tuple[np.ndarray, str, str]]] = []
    for index, spec in enumerate(specs(rng)):
        sid, tid = a.create(spec.body), t.create(spec.body)
        last: Optional[Reply] = None
        for k in range(3 + index % 3):
            grad = spec.values(rng, 0.5)
            mode = "raw" if (index + k) % 2 else "json"
            key = f"{spec.label}-{k}"
            last = spec.step(a, sid, grad, mode, key)
            twin_reply = spec.step(t, tid, grad, mode, key)
            assert last.body == twin_reply.body, f"{spec.label}: the twins already differ at step {k + 1}"
            last_step = (grad, mode, key)
        assert last is not None
        sessions.append((spec, sid, tid, last, last_step))

    before_list = {s["id"]: s for s in a.get("/v1/sessions").json()["sessions"]}
    before = {sid: (a.export(sid), a.raw_params(sid)) for _, sid, _, _, _ in sessions}
    a.close()
    assert durable.stop(signal.SIGTERM) == 0, durable.stderr()[-2000:]
    assert log_lines(durable.stderr(), "msg=\"sessions saved\"", f"count={len(sessions)}"), \
        "SIGTERM did not log that every changed session was saved:\n" + durable.stderr()[-2000:]
    assert session_files(data_dir) == sorted(f"{sid}.optd" for _, sid, _, _, _ in sessions)

    restarted = launcher.start(data_dir, "--save-interval", "3600")
    r = restarted.client()
    assert log_lines(restarted.stderr(), "msg=\"sessions loaded\"", f"count={len(sessions)}"), restarted.stderr()
    assert not log_lines(restarted.stderr(), "level=error"), restarted.stderr()
    assert corrupt_files(data_dir) == []
    after_list = {s["id"]: s for s in r.get("/v1/sessions").json()["sessions"]}
    assert after_list == before_list

    for spec, sid, tid, last, (grad, mode, key) in sessions:
        assert r.export(sid) == before[sid][0], f"{spec.label}: the export changed across the restart"
        assert r.raw_params(sid) == before[sid][1], f"{spec.label}: the raw params changed across the restart"
        # The last step's Idempotency-Key is kept in the file: a retry still replays.
        replay = spec.step(r, sid, grad, mode, key)
        assert replay.headers.get("idempotent-replayed") == "true", f"{spec.label}: the retry was not replayed"
        assert replay.body == last.body, f"{spec.label}: the replay differs from the original answer"
        # The next step: byte for byte what the twin that never restarted answers.
        grad = spec.values(rng, 0.5)
        mine = spec.step(r, sid, grad, "raw", f"{spec.label}-next")
        theirs = spec.step(t, tid, grad, "raw", f"{spec.label}-next")
        assert mine.headers["optimizer-step"] == theirs.headers["optimizer-step"]
        assert mine.body == theirs.body, f"{spec.label}: the restarted session diverged from its twin"
        assert without_identity(r.export(sid)) == without_identity(t.export(tid)), spec.label

    r.close()
    t.close()
    assert restarted.stop(signal.SIGTERM) == 0
    assert twin.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_stop_during_steps_keeps_every_acknowledged_step(launcher: Launcher, data_dir: Path,
                                                                 sig: int) -> None:
    """A stream of steps (2 threads) is cut by SIGTERM/SIGINT: every acknowledged step is kept,
    and a step that was not acknowledged was not applied (in-flight requests finish)."""
    server = launcher.start(data_dir, "--save-interval", "3600")
    c = server.client()
    # sgd, float64, lr 1, grad -1: params == step, exactly.
    ids = [c.create({"optimizer": "sgd", "hyperparameters": {"lr": 1.0}, "dtype": "float64",
                     "params": [0.0] * 4}) for _ in range(4)]
    c.close()
    acked: Dict[str, int] = {sid: 0 for sid in ids}
    grad = np.full(4, -1.0, "<f8").tobytes()
    stop = threading.Event()

    def stream(mine: List[str]) -> None:
        client = server.client(timeout=10)
        deadline = time.monotonic() + 20
        for n in range(100_000):
            if stop.is_set() or time.monotonic() > deadline:
                break
            sid = mine[n % len(mine)]
            try:
                reply = client.post_raw(sid_path(sid, "/step"), grad)
            except OSError:
                break   # closed by the shutdown
            except Exception:   # http.client.RemoteDisconnected and friends
                break
            if reply.status != 200:
                assert reply.status == 503, reply.body
                break
            acked[sid] = int(reply.headers["optimizer-step"])
            assert np.frombuffer(reply.body, "<f8").tolist() == [float(acked[sid])] * 4
        client.close()

    threads = [threading.Thread(target=stream, args=(ids[k::2],), daemon=True) for k in range(2)]
    for th in threads:
        th.start()
    time.sleep(0.6)
    assert server.stop(sig) == 0, server.stderr()[-2000:]
    stop.set()
    for th in threads:
        th.join(15)
        assert not th.is_alive()
    assert all(n > 0 for n in acked.values()), acked

    restarted = launcher.start(data_dir)
    r = restarted.client()
    for sid in ids:
        doc = r.export(sid)
        assert doc["step"] == acked[sid], f"acknowledged {acked[sid]}, loaded {doc['step']}"
        assert doc["params"] == [float(doc["step"])] * 4
    r.close()


def flip_bit(path: Path, offset: int, bit: int = 3) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def test_corrupt_files_are_set_aside_and_the_rest_load(launcher: Launcher, data_dir: Path) -> None:
    rng = np.random.default_rng(SEED + 1)
    server = launcher.start(data_dir)
    c = server.client()
    chosen = specs(rng)[::5]   # 5 sessions, several optimizers and both dtypes
    ids = []
    for spec in chosen:
        sid = c.create(spec.body)
        for k in range(3):
            spec.step(c, sid, spec.values(rng, 0.5), "raw", f"k{k}")
        ids.append(sid)
    before = {sid: c.export(sid) for sid in ids}
    c.close()
    assert server.stop() == 0

    sessions = data_dir / "sessions"
    truncated, flipped, *healthy = ids
    t_file = sessions / f"{truncated}.optd"
    t_file.write_bytes(t_file.read_bytes()[: t_file.stat().st_size // 2])
    f_file = sessions / f"{flipped}.optd"
    flip_bit(f_file, f_file.stat().st_size // 2)          # in the tensor payload
    # The leftover of a write interrupted by a crash: deleted, not reported.
    (sessions / f"{healthy[0]}.optd.tmp-1234567").write_bytes(b"OPTDSESS half a file")

    restarted = launcher.start(data_dir)
    r = restarted.client()
    log = restarted.stderr()
    for bad in (truncated, flipped):
        lines = log_lines(log, "level=error", f"sessions/{bad}.optd")
        assert lines, f"no error line names {bad}.optd:\n{log}"
        assert r.get(sid_path(bad)).status == 404
    assert len(log_lines(log, "level=error")) == 2, log
    aside = corrupt_files(data_dir)
    assert len(aside) == 2, aside
    assert any(name.startswith(f"{truncated}.optd") for name in aside), aside
    assert any(name.startswith(f"{flipped}.optd") for name in aside), aside
    assert session_files(data_dir) == sorted(f"{sid}.optd" for sid in healthy)
    assert sorted(s["id"] for s in r.get("/v1/sessions").json()["sessions"]) == sorted(healthy)
    for spec, sid in zip(chosen[2:], healthy):
        assert r.export(sid) == before[sid]
        spec.step(r, sid, spec.values(rng, 0.5), "json", "after")
    r.close()
    assert restarted.stop() == 0

    # A second restart: nothing new is reported, nothing comes back from corrupt/.
    again = launcher.start(data_dir)
    assert not log_lines(again.stderr(), "level=error"), again.stderr()
    assert len(corrupt_files(data_dir)) == 2
    g = again.client()
    assert sorted(s["id"] for s in g.get("/v1/sessions").json()["sessions"]) == sorted(healthy)
    g.close()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_deleted_session_stays_deleted(launcher: Launcher, data_dir: Path, how: str) -> None:
    # A short save interval: background saves run while sessions are stepped and deleted.
    server = launcher.start(data_dir, "--save-interval", "0.05")
    c = server.client()
    body = {"optimizer": "adam", "params": {"w": [0.5] * 64, "b": [0.1]}}
    grad = {"gradients": {"w": [0.01] * 64, "b": [0.02]}}
    keep = [c.create(body) for _ in range(3)]
    gone = []
    for n in range(20):
        sid = c.create(body)
        for _ in range(1 + n % 3):
            assert c.post_json(sid_path(sid, "/step"), grad).status == 200
        for other in keep:
            assert c.post_json(sid_path(other, "/step"), grad).status == 200
        if n % 4 == 0:
            time.sleep(0.06)   # let a background save catch some of them
        assert c.request("DELETE", sid_path(sid)).status == 204
        gone.append(sid)
    c.close()
    if how == "SIGTERM":
        assert server.stop() == 0
    else:
        server.kill()

    restarted = launcher.start(data_dir)
    r = restarted.client()
    listed = {s["id"] for s in r.get("/v1/sessions").json()["sessions"]}
    assert listed == set(keep), (listed, keep)
    for sid in gone:
        assert r.get(sid_path(sid)).status == 404
    assert session_files(data_dir) == sorted(f"{sid}.optd" for sid in keep)
    assert corrupt_files(data_dir) == []
    r.close()


def test_api_key_never_logged(launcher: Launcher, data_dir: Path) -> None:
    key = "k3y-" + "9f2c7a61d04e4b1c" + "-durability"
    wrong = "not-the-key-5e1d"
    server = launcher.start(data_dir, "--api-key", key, log_level="trace")
    c = server.client(api_key=key)
    sid = c.create({"optimizer": "sgd", "params": [1.0, 2.0]})
    assert c.post_json(sid_path(sid, "/step"), {"gradients": [0.1, 0.2]}).status == 200
    assert c.get(sid_path(sid)).status == 200
    c.close()
    attempts = [{"Authorization": f"Bearer {wrong}"}, {},
                {"Authorization": key},                       # the key without its scheme
                {"Authorization": f"Basic {key}"},
                {"Authorization": f"Bearer {key}x"},          # the key with one character more
                {"Authorization": f"Bearer {key[:-1]}"}]
    anonymous = server.client()
    for headers in attempts:
        reply = anonymous.get("/v1/sessions", headers)
        assert reply.status == 401, (headers, reply.status)
        assert key not in reply.body.decode(errors="replace")
        reply = anonymous.post_json(sid_path(sid, "/step"), {"gradients": [0.1, 0.2]}, headers)
        assert reply.status == 401
    anonymous.close()
    assert server.stop() == 0

    out, err = server.stdout(), server.stderr()
    assert "http.status=401" in err and "http.status=200" in err, "the trace log shows no requests:\n" + err
    assert "api_key=on" in err
    for secret in (key, key[:-1], wrong):
        assert secret not in err, f"{secret!r} appears in stderr"
        assert secret not in out, f"{secret!r} appears in stdout"
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), f"the key is written in {path}"


def test_idempotency_key_of_an_earlier_step_stays_outdated_after_restart(launcher: Launcher,
                                                                          data_dir: Path) -> None:
    server = launcher.start(data_dir)
    c = server.client()
    sid = c.create({"optimizer": "sgd", "hyperparameters": {"lr": 1.0}, "dtype": "float64", "params": [0.0]})
    body = {"gradients": [-1.0]}
    for key in ("step-1", "step-2"):
        assert c.post_json(sid_path(sid, "/step"), body, {"Idempotency-Key": key}).status == 200
    assert c.post_json(sid_path(sid, "/step"), body, {"Idempotency-Key": "step-1"}).status == 409
    c.close()
    assert server.stop() == 0

    restarted = launcher.start(data_dir)
    r = restarted.client()
    reply = r.post_json(sid_path(sid, "/step"), body, {"Idempotency-Key": "step-1"})
    step = r.export(sid)["step"]
    r.close()
    assert (reply.status, step) == (409, 2), f"a retry of step 1 answered {reply.status}; the session is at step {step}"
