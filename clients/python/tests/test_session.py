"""Sessions through the client: shapes, formats, nag, export/restore, update, delete, errors."""
from __future__ import annotations

import numpy as np
import pytest

import optd
from conftest import Server, _require_binary
from optd.session import RAW


def test_health_and_optimizers(client: optd.Client) -> None:
    assert client.health()["status"] == "ok"
    names = {o["name"] for o in client.optimizers()}
    assert names == {"sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam"}


def test_shapes_round_trip_2d(client: optd.Client) -> None:
    w = np.arange(12, dtype=np.float64).reshape(3, 4)
    b = np.ones(4)
    session = client.create_session("sgd", {"w": w, "b": b}, dtype="float64", lr=0.5)
    gw, gb = np.full((3, 4), 2.0), np.full(4, -1.0)
    for fmt in ("raw", "json"):
        got = session.step({"w": gw, "b": gb}, format=fmt)
        w, b = w - 0.5 * gw, b - 0.5 * gb
        assert list(got) == ["w", "b"]
        assert got["w"].shape == (3, 4) and got["b"].shape == (4,)
        np.testing.assert_array_equal(got["w"], w)
        np.testing.assert_array_equal(got["b"], b)
    params = session.params()
    assert params["w"].shape == (3, 4)
    np.testing.assert_array_equal(params["w"], w)
    # Results are writable arrays, not views into read-only bytes.
    params["w"][0, 0] = 42.0
    # A session opened by id knows only sizes, unless told the shapes.
    assert client.session(session.id).params()["w"].shape == (12,)
    assert client.session(session.id, shapes={"w": (3, 4)}).params()["w"].shape == (3, 4)
    session.delete()


def test_single_2d_tensor_float32(client: optd.Client) -> None:
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    session = client.create_session("sgd", x, lr=0.25)  # float32 by default
    assert session.names == [None] and session.dtype == "float32"
    got = session.step(np.ones((2, 3), dtype=np.float64))  # float64 gradients are sent as float32
    assert isinstance(got, np.ndarray) and got.shape == (2, 3) and got.dtype == np.float32
    np.testing.assert_array_equal(got, x - np.float32(0.25))
    got = session.step(np.ones(6), format="json")  # any shape with the right size
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got, x - np.float32(0.25) - np.float32(0.25))
    session.delete()


def test_nag_step_returns_lookahead(client: optd.Client) -> None:
    session = client.create_session("nag", np.array([1.0]), dtype="float64", lr=0.1, momentum=0.9)
    # v = 0.9·0 + 0.1·1 = 0.1; θ = 1 − 0.1 = 0.9; look-ahead θ − μv = 0.9 − 0.09 = 0.81
    np.testing.assert_allclose(session.step(np.array([1.0])), [0.81], rtol=1e-15)
    np.testing.assert_allclose(session.step(np.array([1.0]), format="json"), session.refresh()["lookahead"], rtol=0)
    assert session.refresh()["lookahead"] != session.refresh()["params"]
    np.testing.assert_allclose(session.params(), session.refresh()["params"], rtol=0)
    session.delete()


@pytest.mark.parametrize("optimizer,hp", [("adam", {"lr": 0.01, "amsgrad": True}),
                                          ("nadam", {"variant": "pytorch"}), ("nag", {})])
def test_export_restore_gives_identical_next_steps(client: optd.Client, optimizer: str, hp: dict) -> None:
    rng = np.random.default_rng(7)
    params = {"w": rng.standard_normal((4, 3)).astype(np.float32), "b": rng.standard_normal(3).astype(np.float32)}
    grads = [{"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)} for _ in range(6)]
    original = client.create_session(optimizer, params, **hp)
    for g in grads[:3]:
        original.step(g)
    exported = original.export()
    assert exported["step"] == 3 and exported["state"]
    restored = client.restore(exported, shapes={"w": (4, 3)})
    assert restored.id != original.id
    assert restored.step_count == 3 and restored.hyperparameters == original.hyperparameters
    for g in grads[3:]:
        a, b = original.step(g), restored.step(g)
        assert a["w"].shape == b["w"].shape == (4, 3)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
    assert restored.step_count == original.step_count == 6
    original.delete()
    restored.delete()


def test_update_changes_hyperparameters(client: optd.Client) -> None:
    session = client.create_session("sgd", np.zeros(3), dtype="float64", lr=0.1)
    session.step(np.ones(3))
    resolved = session.update(lr=1.0, momentum=0.0)
    assert resolved["lr"] == 1.0 and session.hyperparameters["lr"] == 1.0
    assert session.step_count == 1  # the counter stays
    np.testing.assert_allclose(session.step(np.ones(3)), [-1.1] * 3, rtol=1e-15)
    with pytest.raises(optd.InvalidRequest) as e:
        session.update(lr=-1.0)
    assert e.value.field == "/hyperparameters/lr"
    session.delete()


def test_delete(client: optd.Client) -> None:
    session = client.create_session("adam", np.zeros(4))
    assert session.id in {s.id for s in client.sessions()}
    session.delete()
    assert session.id not in {s.id for s in client.sessions()}
    with pytest.raises(optd.NotFound) as e:
        session.step(np.zeros(4))
    assert e.value.status == 404 and e.value.type == "/problems/session-not-found"
    with pytest.raises(optd.NotFound):
        client.session(session.id)


def test_wrong_gradient_length_names_the_field(client: optd.Client) -> None:
    session = client.create_session("sgd", {"weight": np.zeros(5), "bias": np.zeros(2)})
    bad = {"weight": np.zeros(4), "bias": np.zeros(2)}
    with pytest.raises(optd.InvalidRequest) as server_side:  # JSON: the server finds it
        session.step(bad, format="json")
    with pytest.raises(optd.InvalidRequest) as client_side:  # raw carries no names: checked before sending
        session.step(bad)
    for e in (server_side.value, client_side.value):
        assert isinstance(e, optd.OptdError) and e.status == 422
        assert e.field == "/gradients/weight" and e.type == "/problems/tensor-mismatch"
        assert "5" in e.detail and "4" in e.detail
    with pytest.raises(optd.InvalidRequest) as missing:
        session.step({"weight": np.zeros(5)}, format="json")
    assert missing.value.field == "/gradients/bias"
    assert session.refresh()["step"] == 0  # a failed request changes nothing
    session.delete()


def test_raw_length_checked_by_server(client: optd.Client, server) -> None:
    session = client.create_session("sgd", np.zeros(5))
    transport = session._transport  # bypass the client-side check: the server must refuse it too
    with pytest.raises(optd.InvalidRequest) as e:
        transport.request("POST", session.path + "/step", b"\0" * 12, {"Content-Type": RAW})
    assert e.value.status == 422 and e.value.type == "/problems/tensor-mismatch"
    session.delete()


def test_other_errors(client: optd.Client) -> None:
    with pytest.raises(optd.InvalidRequest) as e:
        client.create_session("adam", np.zeros(3), lrr=0.1)
    assert e.value.field == "/hyperparameters/lrr" and "'lr'" in e.value.detail  # names the closest
    with pytest.raises(optd.InvalidRequest) as e:
        client.create_session("adamm", np.zeros(3))
    assert e.value.field == "/optimizer"
    with pytest.raises(optd.InvalidRequest) as e:  # overflows float32: the server names the element
        client.create_session("sgd", np.array([1.0, 1e300]))
    assert e.value.field == "/params/1"
    with pytest.raises(optd.OptdError) as e:  # NaN is not JSON: 400 or 422 by the contract
        client.create_session("sgd", np.array([1.0, np.nan]), dtype="float64")
    assert e.value.status in (400, 422)


def test_if_match(client: optd.Client) -> None:
    session = client.create_session("sgd", np.zeros(2))
    session.step(np.ones(2), if_match=0)
    with pytest.raises(optd.PreconditionFailed) as e:
        session.step(np.ones(2), if_match=0)
    assert e.value.status == 412 and e.value.current_step == 1
    assert session.refresh()["step"] == 1
    session.delete()


def test_outdated_idempotency_key_is_conflict(client: optd.Client) -> None:
    session = client.create_session("sgd", np.zeros(2))
    body = np.ones(2, dtype="<f4").tobytes()
    send = lambda key: session._transport.request(  # noqa: E731
        "POST", session.path + "/step", body, {"Content-Type": RAW, "Idempotency-Key": key})
    send("a")
    assert send("a").header("Idempotent-Replayed") == "true"
    send("b")
    with pytest.raises(optd.Conflict) as e:
        send("a")
    assert e.value.status == 409 and e.value.current_step == 2
    session.delete()


def test_session_limit_is_insufficient_storage() -> None:
    _require_binary()
    limited = Server("--max-sessions", "1")
    try:
        client = optd.Client(limited.url)
        first = client.create_session("sgd", np.zeros(2))
        with pytest.raises(optd.InsufficientStorage) as e:
            client.create_session("sgd", np.zeros(2))
        assert e.value.status == 507
        first.delete()
        client.create_session("sgd", np.zeros(2)).delete()  # the memory was released
    finally:
        limited.stop()
