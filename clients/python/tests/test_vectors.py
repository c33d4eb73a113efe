"""Every golden vector in Tests/Fixtures/vectors, replayed through the client."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

import optd
from conftest import VECTORS

FILES = sorted(VECTORS.glob("*.json"))
# Also replayed with JSON bodies: both nag dtypes, the single-array case and a few others.
JSON_TOO = {"nag_seed_float32", "nag_seed_float64", "nag_seed_wd_float64", "adamw_single_array_float32",
            "adam_float64", "nadam_pytorch_float32", "sgd_nesterov_float32"}
CASES = [(f, "raw") for f in FILES] + [(f, "json") for f in FILES if f.stem in JSON_TOO]


def load(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text())


def as_arrays(tensors: Any, dtype: str) -> Any:
    """A vector's tensors (a list or a dict of lists) as numpy arrays of the vector's dtype."""
    if isinstance(tensors, dict):
        return {name: np.asarray(values, dtype=dtype) for name, values in tensors.items()}
    return np.asarray(tensors, dtype=dtype)


def assert_close(got: Any, want: Any, rtol: float, atol: float, what: str) -> None:
    """|got - want| <= atol + rtol*|want| elementwise, for one tensor or a dict of them (same form)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{what}: tensors {list(got)} != {list(want)}"
        for name in want:
            assert_close(got[name], want[name], rtol, atol, f"{what}/{name}")
        return
    assert isinstance(got, np.ndarray), f"{what}: got {type(got).__name__}, not an array"
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    error = np.abs(got.astype(np.float64) - want)
    bound = atol + rtol * np.abs(want)
    worst = int(np.argmax(error - bound))
    assert np.all(error <= bound), (f"{what}[{worst}]: got {got.flat[worst]!r}, want {want.flat[worst]!r}, "
                                    f"|diff| {error.flat[worst]:.3g} > {bound.flat[worst]:.3g}")


@pytest.mark.parametrize("path,fmt", CASES, ids=[f"{p.stem}-{fmt}" for p, fmt in CASES])
def test_vector(client: optd.Client, path: Path, fmt: str) -> None:
    v = load(path)
    dtype = v["dtype"]
    rtol, atol = v["tolerance"]["rtol"], v["tolerance"]["atol"]
    params = as_arrays(v["params"], dtype)
    session = client.create_session(v["optimizer"], params, dtype=dtype, **v["hyperparameters"])
    try:
        assert session.hyperparameters == v["resolved_hyperparameters"]
        assert session.step_count == 0
        for i, step in enumerate(v["steps"], start=1):
            got = session.step(as_arrays(step["gradients"], dtype), format=fmt)
            # The next point: for nag the look-ahead, for the others the params.
            want = step["lookahead"] if v["optimizer"] == "nag" else step["params"]
            assert_close(got, want, rtol, atol, f"step {i}")
            assert session.step_count == i
            if isinstance(got, dict):  # the created form: the same names in the same order
                assert list(got) == list(params)
                assert all(a.dtype == np.dtype(dtype) for a in got.values())
            else:
                assert got.dtype == np.dtype(dtype)
            if v["optimizer"] == "nag":  # the params proper are θ, not the look-ahead point
                assert_close(session.params(), step["params"], rtol, atol, f"step {i} params")
        assert_close(session.params(), v["steps"][-1]["params"], rtol, atol, "final params")
    finally:
        session.delete()
