"""Retries and reconnects, through a proxy that loses requests, responses and connections."""
from __future__ import annotations

import numpy as np
import pytest

import optd

STEP = b"/step HTTP/1.1"


def expected_after_one_step(x: np.ndarray, g: np.ndarray, lr: float) -> np.ndarray:
    return x - lr * g


def test_lost_step_response_is_applied_once(server, proxy) -> None:
    client = optd.Client(proxy.url, retries=3)
    x, g = np.array([1.0, 2.0, 3.0]), np.array([0.5, -0.5, 1.0])
    session = client.create_session("sgd", x, dtype="float64", lr=0.1)
    proxy.lose_response_of(STEP)
    got = session.step(g)
    assert proxy.triggered == 1
    assert session.last_step_replayed  # the retry was answered from the idempotency log
    np.testing.assert_array_equal(got, expected_after_one_step(x, g, 0.1))
    direct = optd.Client(server.url).session(session.id)
    assert direct.step_count == 1  # applied exactly once
    np.testing.assert_array_equal(direct.params(), got)
    session.delete()


def test_lost_step_request_is_sent_again(server, proxy) -> None:
    client = optd.Client(proxy.url)
    x, g = np.zeros(4), np.ones(4)
    session = client.create_session("sgd", x, dtype="float64", lr=0.5)
    proxy.lose_request_of(STEP)
    got = session.step(g)
    assert proxy.triggered == 1 and not session.last_step_replayed
    np.testing.assert_array_equal(got, -0.5 * g)
    assert optd.Client(server.url).session(session.id).step_count == 1
    session.delete()


def test_timed_out_step_is_retried_once(server, proxy) -> None:
    client = optd.Client(proxy.url, timeout=0.5)
    session = client.create_session("adam", np.ones(3), lr=0.1)
    proxy.lose_response_of(STEP, hold=1.5)
    got = session.step(np.ones(3))
    assert session.last_step_replayed
    direct = optd.Client(server.url).session(session.id)
    assert direct.step_count == 1
    np.testing.assert_array_equal(direct.params(), got)
    session.delete()


def test_reconnects_when_the_server_side_closed(server, proxy) -> None:
    client = optd.Client(proxy.url)
    session = client.create_session("sgd", np.zeros(2), lr=1.0)
    for i in range(3):
        proxy.close_connections()  # like a server closing idle keep-alive connections
        np.testing.assert_array_equal(session.step(np.ones(2)), [-(i + 1.0)] * 2)
    assert client.health()["status"] == "ok"
    assert session.step_count == 3
    session.delete()


def test_keep_alive_reuses_one_connection(server, proxy) -> None:
    client = optd.Client(proxy.url)
    session = client.create_session("sgd", np.zeros(2))
    for _ in range(5):
        session.step(np.ones(2))
    session.params()
    session.delete()
    assert proxy.connections == 1


def test_create_is_not_retried_after_its_request_was_sent(server, proxy) -> None:
    # A retry could create a second session: the client reports the failure instead.
    client = optd.Client(proxy.url)
    proxy.lose_response_of(b"POST /v1/sessions HTTP/1.1")
    with pytest.raises(optd.OptdConnectionError) as e:
        client.create_session("sgd", np.zeros(2))
    assert e.value.status is None and "1 attempt" in str(e.value)


def test_unreachable_server_raises_connection_error() -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    client = optd.Client(f"http://127.0.0.1:{port}", retries=2)
    with pytest.raises(optd.OptdConnectionError) as e:
        client.health()
    assert "3 attempt" in str(e.value)


def test_api_key(keyed_server) -> None:
    from conftest import API_KEY
    anonymous = optd.Client(keyed_server.url)
    assert anonymous.health()["status"] == "ok"  # /healthz never needs the key
    with pytest.raises(optd.Unauthorized) as e:
        anonymous.create_session("sgd", np.zeros(2))
    assert e.value.status == 401 and e.value.type == "/problems/unauthorized"
    with pytest.raises(optd.Unauthorized):
        optd.Client(keyed_server.url, api_key="wrong").sessions()
    keyed = optd.Client(keyed_server.url, api_key=API_KEY)
    session = keyed.create_session("sgd", np.zeros(2), lr=1.0)
    np.testing.assert_array_equal(session.step(np.ones(2)), [-1.0, -1.0])
    session.delete()
