"""optd.torch.RemoteOptimizer as a drop-in torch.optim.Optimizer (skipped where torch is absent)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the RemoteOptimizer drop-in tests need it "
                                            "(pip install -e 'clients/python[torch]')")
from optd.torch import RemoteOptimizer  # noqa: E402

# 50 steps of float32 arithmetic in two implementations (torch's foreach/fused kernels and
# optd's loops) round differently at each step, and Adam's division by √v̂ amplifies the
# differences where v̂ is small; they accumulate to ~1e-6 relative. Tighter bounds would test
# the rounding order, not the method.
RTOL, ATOL = 1e-4, 1e-5


def data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(64, 8, generator=g), torch.randn(64, 4, generator=g)


def train(model, opt, x, y, steps: int = 50) -> None:
    loss_fn = torch.nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("name,hp,reference", [
    ("adam", {"lr": 1e-2}, lambda p: torch.optim.Adam(p, lr=1e-2)),
    ("sgd", {"lr": 1e-2, "momentum": 0.9}, lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9)),
    ("adamw", {"lr": 1e-2, "weight_decay": 0.05}, lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.05)),
])
def test_trains_like_torch(server, name, hp, reference) -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 4)
    twin = copy.deepcopy(model)
    x, y = data()
    remote = RemoteOptimizer(model.named_parameters(), url=server.url, optimizer=name, **hp)
    assert isinstance(remote, torch.optim.Optimizer)
    assert remote.session.names == ["weight", "bias"]
    train(model, remote, x, y)
    train(twin, reference(twin.parameters()), x, y)
    for (n, p), q in zip(model.named_parameters(), twin.parameters()):
        torch.testing.assert_close(p, q, rtol=RTOL, atol=ATOL, msg=lambda m: f"{name} {n}: {m}")
    assert remote.session.step_count == 50
    remote.close()


def test_unnamed_params_none_grads_and_lr_changes(server) -> None:
    a = torch.nn.Parameter(torch.ones(2, 3))
    b = torch.nn.Parameter(torch.ones(4))
    opt = RemoteOptimizer([a, b], url=server.url, optimizer="sgd", lr=0.5)
    assert opt.session.names == ["p0", "p1"] and opt.param_groups[0]["lr"] == 0.5
    a.grad = torch.ones(2, 3)  # b.grad stays None: sent as zeros
    opt.step()
    torch.testing.assert_close(a.detach(), torch.full((2, 3), 0.5))
    torch.testing.assert_close(b.detach(), torch.ones(4))
    opt.param_groups[0]["lr"] = 0.25  # as an lr_scheduler would: PATCHed before the next step
    opt.step()
    assert opt.session.hyperparameters["lr"] == 0.25
    torch.testing.assert_close(a.detach(), torch.full((2, 3), 0.25))
    opt.zero_grad()
    assert a.grad is None
    opt.close()


def test_nag_writes_the_lookahead(server) -> None:
    w = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = RemoteOptimizer([("w", w)], url=server.url, optimizer="nag", lr=0.1, momentum=0.9)
    assert opt.dtype == "float64"
    w.grad = torch.tensor([1.0], dtype=torch.float64)
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([0.81], dtype=torch.float64))  # θ − μv
    np.testing.assert_allclose(opt.session.params()["w"], [0.9])                       # θ
    opt.close()


def test_state_dict_round_trip(server) -> None:
    torch.manual_seed(1)
    model = torch.nn.Linear(8, 4)
    x, y = data(1)
    opt = RemoteOptimizer(model.named_parameters(), url=server.url, optimizer="adam", lr=1e-2)
    train(model, opt, x, y, steps=5)
    saved_model, saved_opt = copy.deepcopy(model.state_dict()), opt.state_dict()
    train(model, opt, x, y, steps=5)
    after = [p.detach().clone() for p in model.parameters()]

    # A fresh model and optimizer, restored from the checkpoint, take the same 5 steps.
    model2 = torch.nn.Linear(8, 4)
    model2.load_state_dict(saved_model)
    opt2 = RemoteOptimizer(model2.named_parameters(), url=server.url, optimizer="adam", lr=0.5)
    opt2.load_state_dict(saved_opt)
    assert opt2.session.step_count == 5 and opt2.param_groups[0]["lr"] == 1e-2
    train(model2, opt2, x, y, steps=5)
    for p, q in zip(model2.parameters(), after):
        torch.testing.assert_close(p.detach(), q, rtol=0, atol=0)
    opt.close()
    opt2.close()
