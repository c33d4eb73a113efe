"""A hosted optimizer session: step it, read its params, export, change, delete it."""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

import numpy as np

from ._http import Response, Transport
from ._tensors import Tensors, TensorLayout, wire_dtype
from .errors import NotFound, tensor_mismatch

RAW = "application/octet-stream"
JSON = "application/json"


def dumps(value: Any) -> bytes:
    """JSON bytes; numpy scalars and arrays are accepted as numbers and lists."""
    def default(o: Any) -> Any:
        if isinstance(o, (np.generic, np.ndarray)):
            return o.tolist()
        raise TypeError(f"{type(o).__name__} is not JSON serialisable")
    return json.dumps(value, default=default, separators=(",", ":")).encode()


def loads(response: Response) -> Any:
    return json.loads(response.body.decode("utf-8")) if response.body else None


class Session:
    """One optimizer hosted by optd: its state (moments, step counter…) lives in the server.

    Made by `Client.create_session`, `Client.session`, `Client.sessions` or `Client.restore`.

    Attributes:
        id: the session's id.
        optimizer: the optimizer name, e.g. ``"adam"``.
        dtype: ``"float32"`` or ``"float64"``.
        hyperparameters: every hyperparameter, defaults resolved (as last seen from the server).
        step_count: the session's step counter as of the last response this object saw
            (other writers may have moved it since; `refresh()` fetches it).
        names: the tensor names (``[None]`` for a single unnamed tensor), in the session's order.
        shapes: the tensor shapes, remembered client-side.
        last_step_replayed: whether the last `step()` was answered from the server's
            idempotency log (the step had already been applied by an attempt whose response was lost).
    """

    def __init__(self, transport: Transport, document: Mapping[str, Any], layout: TensorLayout) -> None:
        self._transport = transport
        self.id: str = document["id"]
        self.optimizer: str = document["optimizer"]
        self.dtype: str = document["dtype"]
        self._wire = wire_dtype(self.dtype)
        self._layout = layout
        self.hyperparameters: Dict[str, Any] = dict(document.get("hyperparameters", {}))
        self.step_count: int = int(document.get("step", 0))
        self.last_step_replayed: bool = False

    def __repr__(self) -> str:
        return f"<optd.Session {self.id} {self.optimizer} {self.dtype} step={self.step_count}>"

    @property
    def path(self) -> str:
        return f"/v1/sessions/{quote(self.id, safe='')}"

    @property
    def names(self) -> List[Optional[str]]:
        return list(self._layout.names)

    @property
    def shapes(self) -> List[tuple]:
        return list(self._layout.shapes)

    @property
    def layout(self) -> TensorLayout:
        return self._layout

    # --- stepping -------------------------------------------------------------------------

    def step(self, gradients: Any, format: str = "raw", if_match: Optional[int] = None) -> Tensors:
        """Applies one update and returns the point where the next gradient is to be taken.

        `gradients` has the form the session was created with: one array, or a dict naming
        exactly the session's tensors; each tensor may have any shape with the right number of
        elements. The result has the created form and shapes. For every optimizer but ``nag``
        that point is the new params. For ``nag`` it is the **look-ahead point** θ − μv (where
        the seed formula evaluates the next gradient), not θ itself: read θ with `params()`.

        `format="raw"` (default) sends and receives little-endian tensors in the session's
        dtype, concatenated in tensor order; ``"json"`` sends and receives JSON numbers.
        `if_match=n` applies the step only if the session is at step n, else raises
        `PreconditionFailed` (whose `current_step` says where it is).

        The call carries a fresh Idempotency-Key, reused by its retries: a step whose response
        was lost is applied once.
        """
        if format == "raw":
            body = self._layout.pack(gradients, self._wire)
            return self._layout.from_bytes(self._post_step(body, RAW, if_match).body, self._wire)
        if format == "json":
            body = dumps({"gradients": self._layout.to_json(gradients, self._wire, "gradients")})
            document = loads(self._post_step(body, JSON, if_match))
            point = document["lookahead"] if "lookahead" in document else document["params"]
            return self._layout.from_json(point, self._wire)
        raise ValueError(f"format must be 'raw' or 'json', not {format!r}")

    def step_flat(self, gradients: np.ndarray, if_match: Optional[int] = None) -> np.ndarray:
        """`step()` for all tensors as one flat array (concatenated in tensor order); returns the
        flat next point (a writable array of the session's dtype). No per-tensor handling."""
        flat = np.asarray(gradients, dtype=self._wire).reshape(-1)
        if flat.size != self._layout.total:
            raise tensor_mismatch("/gradients", f"the session has {self._layout.total} elements; got {flat.size}")
        return np.frombuffer(self._post_step(flat.tobytes(), RAW, if_match).body, dtype=self._wire)

    def _post_step(self, body: bytes, content_type: str, if_match: Optional[int]) -> Response:
        headers = {"Content-Type": content_type, "Accept": content_type,
                   "Idempotency-Key": uuid.uuid4().hex}
        if if_match is not None:
            headers["If-Match"] = f'"{int(if_match)}"'
        response = self._transport.request("POST", self.path + "/step", body, headers, retry_safe=True)
        self.last_step_replayed = (response.header("Idempotent-Replayed") or "").lower() == "true"
        self._note_step(response)
        return response

    # --- reading --------------------------------------------------------------------------

    def params(self) -> Tensors:
        """The current params θ (raw transfer), in the created form and shapes. For ``nag``
        these are the params proper, not the look-ahead point that `step()` returns."""
        response = self._transport.request("GET", self.path, headers={"Accept": RAW})
        self._note_step(response)
        return self._layout.from_bytes(response.body, self._wire)

    def refresh(self) -> Dict[str, Any]:
        """The session document (params as JSON lists); updates `step_count` and `hyperparameters`."""
        return self._get_document(include_state=False)

    def export(self) -> Dict[str, Any]:
        """Everything needed to restore the session exactly (params, every state buffer, step,
        hyperparameters): a JSON-serialisable dict for `Client.restore`."""
        return self._get_document(include_state=True)

    def _get_document(self, include_state: bool) -> Dict[str, Any]:
        query = "?include=state" if include_state else ""
        response = self._transport.request("GET", self.path + query, headers={"Accept": JSON})
        document = loads(response)
        self.hyperparameters = dict(document["hyperparameters"])
        self.step_count = int(document["step"])
        return document

    # --- changing -------------------------------------------------------------------------

    def update(self, if_match: Optional[int] = None, **hyperparameters: Any) -> Dict[str, Any]:
        """Changes some hyperparameters (validated as at creation; step and state stay) and
        returns them all. Retried like a GET: setting the same values twice is harmless."""
        headers = {"Content-Type": JSON, "Accept": JSON}
        if if_match is not None:
            headers["If-Match"] = f'"{int(if_match)}"'
        response = self._transport.request("PATCH", self.path, dumps({"hyperparameters": hyperparameters}), headers)
        document = loads(response)
        self.hyperparameters = dict(document["hyperparameters"])
        self.step_count = int(document["step"])
        return dict(self.hyperparameters)

    def delete(self) -> None:
        """Deletes the session and releases its memory in the server. A retried DELETE whose
        first attempt succeeded (its response lost) gets 404, which counts as success."""
        try:
            self._transport.request("DELETE", self.path)
        except NotFound as error:
            if error.attempts == 1:
                raise

    def _note_step(self, response: Response) -> None:
        step = response.header("Optimizer-Step") or (response.header("ETag") or "").strip('W/"')
        if step and step.isdigit():
            self.step_count = int(step)
