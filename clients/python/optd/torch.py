"""`RemoteOptimizer`: a ``torch.optim.Optimizer`` whose state and update live in optd.

    model = torch.nn.Linear(8, 4)
    opt = RemoteOptimizer(model.named_parameters(), url="http://127.0.0.1:8080", optimizer="adam", lr=1e-2)
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()          # one raw request: every grad up, every new parameter back

Importing this module imports torch; ``import optd`` alone does not.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import torch

from .client import Client
from .session import Session

__all__ = ["RemoteOptimizer"]

_TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


class RemoteOptimizer(torch.optim.Optimizer):
    """A drop-in ``torch.optim.Optimizer`` backed by one optd session.

    Args:
        params: an iterable of tensors, or of ``(name, tensor)`` pairs such as
            ``model.named_parameters()``; the session's tensors get these names (``p0, p1…``
            when unnamed). One parameter group only.
        url: the optd server (ignored when `client` is given).
        optimizer: the optd optimizer name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"nag"``…).
        api_key: the server's API key, if it has one.
        dtype: ``"float32"`` / ``"float64"`` (or the torch dtypes); by default float64 when
            every parameter is float64, else float32.
        client: an existing `optd.Client` to use instead of making one from `url`.
        **hyperparameters: as in ``torch.optim`` (``lr``, ``betas``, ``weight_decay``…).

    `step()` sends every ``p.grad`` in one raw request and copies the answer into each
    parameter in place. A parameter whose ``grad`` is None is sent a zero gradient — unlike
    ``torch.optim``, which skips it: the server steps all of a session's tensors together, so
    such a parameter still moves when momentum or weight decay act on it.

    For ``optimizer="nag"`` the values written into the model are the **look-ahead point**
    θ − μv, where the seed formula takes the next gradient, so the next ``backward()`` computes
    exactly the gradient optd needs; the actual params θ are ``opt.session.params()``.

    Hyperparameters live in ``param_groups[0]`` as in torch; changing them there (by hand or by
    an ``lr_scheduler``) is sent to the server (PATCH) before the next step.

    ``state_dict()`` holds the server's export of the session; ``load_state_dict()`` restores it
    as a new session, switches to it (deleting the session this optimizer had made) and writes
    the restored parameters into the model. `close()` deletes the session.
    """

    def __init__(self, params: Iterable[Any], url: str = "http://127.0.0.1:8080", *, optimizer: str,
                 api_key: Optional[str] = None, dtype: Union[str, torch.dtype, None] = None,
                 client: Optional[Client] = None, **hyperparameters: Any) -> None:
        names, tensors = _names_and_tensors(params)
        super().__init__(tensors, dict(hyperparameters))  # torch's checks first: nothing made yet
        self.client = client if client is not None else Client(url, api_key=api_key)
        self.dtype = _dtype_name(dtype, tensors)
        self._torch_dtype = _TORCH_DTYPES[self.dtype]
        self.names: List[str] = names
        initial = {name: p.detach().to("cpu", self._torch_dtype).numpy() for name, p in zip(names, tensors)}
        self.session: Session = self.client.create_session(optimizer, initial, dtype=self.dtype, **hyperparameters)
        self._sent: Dict[str, Any] = dict(self.session.hyperparameters)
        self.defaults = dict(self.session.hyperparameters)
        self.param_groups[0].update(self.session.hyperparameters)

    @property
    def _params(self) -> List[torch.Tensor]:
        return self.param_groups[0]["params"]

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        if self.param_groups:
            raise NotImplementedError("RemoteOptimizer holds one optd session: one parameter group only")
        super().add_param_group(param_group)

    @torch.no_grad()
    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Sends every gradient (zeros where ``grad`` is None) in one raw request and writes
        the result (for ``nag``, the look-ahead point) into the parameters. Returns the
        closure's loss when a closure is given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._sync_hyperparameters()
        grads = [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().to("cpu", self._torch_dtype).reshape(-1)
                 for p in self._params]
        flat = torch.cat(grads).numpy()
        self._write(self.session.step_flat(flat))
        return loss

    def state_dict(self) -> Dict[str, Any]:
        """torch's optimizer state dict (no per-parameter state: it is in the server) plus
        ``"optd"``: the server's export of the session, everything needed to restore it."""
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": list(range(len(g["params"])))}
                  for g in self.param_groups]
        return {"state": {}, "param_groups": groups, "optd": self.session.export(), "optd_names": list(self.names)}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restores ``state_dict["optd"]`` as a new session, switches to it, deletes the old one,
        takes its hyperparameters into ``param_groups[0]`` and writes its parameters (the
        look-ahead point for ``nag``) into the model."""
        exported = state_dict["optd"]
        expected = [{"name": n, "size": p.numel()} for n, p in zip(self.names, self._params)]
        got = [{"name": t["name"], "size": t["size"]} for t in exported["tensors"]]
        if got != expected:
            raise ValueError(f"the saved session's tensors {got} do not match this optimizer's {expected}")
        restored = self.client.restore(exported)
        old, self.session = self.session, restored
        try:
            old.delete()
        except Exception:  # best effort: the old session may be gone already
            pass
        self._sent = dict(restored.hyperparameters)
        self.param_groups[0].update(restored.hyperparameters)
        point = exported.get("lookahead", exported["params"])
        with torch.no_grad():
            self._write(np.concatenate([np.asarray(point[n], dtype=np.float64) for n in self.names]))

    def close(self) -> None:
        """Deletes the server session (the optimizer cannot step afterwards)."""
        self.session.delete()

    def _write(self, flat: np.ndarray) -> None:
        values = torch.from_numpy(np.asarray(flat))
        offset = 0
        for p in self._params:
            n = p.numel()
            p.copy_(values[offset:offset + n].view(p.shape))
            offset += n

    def _sync_hyperparameters(self) -> None:
        """PATCHes the hyperparameters changed in ``param_groups[0]`` since they were last sent."""
        group = self.param_groups[0]
        changed = {k: _plain(group[k]) for k in self._sent if k in group and _plain(group[k]) != _plain(self._sent[k])}
        if changed:
            self._sent = self.session.update(**changed)
            group.update(self._sent)


def _names_and_tensors(params: Iterable[Any]) -> Tuple[List[str], List[torch.Tensor]]:
    items = list(params)
    if not items:
        raise ValueError("RemoteOptimizer got an empty parameter list")
    if isinstance(items[0], dict):
        raise TypeError("RemoteOptimizer takes tensors or (name, tensor) pairs, not parameter groups")
    if isinstance(items[0], (tuple, list)):
        names = [str(name) for name, _ in items]
        tensors = [t for _, t in items]
        if len(set(names)) != len(names):
            raise ValueError("parameter names must be unique")
        return names, tensors
    return [f"p{i}" for i in range(len(items))], items


def _dtype_name(dtype: Union[str, torch.dtype, None], tensors: List[torch.Tensor]) -> str:
    if dtype is None:
        return "float64" if all(t.dtype == torch.float64 for t in tensors) else "float32"
    if isinstance(dtype, torch.dtype):
        for name, value in _TORCH_DTYPES.items():
            if value == dtype:
                return name
        raise ValueError(f"dtype must be float32 or float64, not {dtype}")
    if dtype not in _TORCH_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
    return dtype


def _plain(value: Any) -> Any:
    """A hyperparameter as JSON would carry it (tuples as lists, tensors as numbers)."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
