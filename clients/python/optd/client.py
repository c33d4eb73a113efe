"""The optd client: health, optimizers, and sessions (create, list, open, restore)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

from ._http import Transport
from ._tensors import ShapeSpec, TensorLayout, wire_dtype
from .session import JSON, Session, dumps, loads


class Client:
    """A client of one optd server.

    It keeps one persistent keep-alive connection (``http.client``), reopened transparently
    when the server has closed it. Its requests are serialised by a lock: a client may be
    shared between threads, but for parallel requests use one `Client` per thread.

    Failures of the connection are retried up to `retries` times with exponential backoff:
    GET, PATCH (it sets absolute values, so repeating it is harmless), DELETE and steps
    (each carries an Idempotency-Key that its retries reuse, so a step whose response was lost
    is applied once) after any failure; session creation (`create_session`, `restore`) only
    when the request never reached the server, since a retry could create a second session.
    A 503 (shutting down; nothing was applied) is retried for every request.

    Args:
        url: e.g. ``"http://127.0.0.1:8080"``.
        api_key: sent as ``Authorization: Bearer <key>`` when the server was started with one.
        timeout: seconds for connecting and for each read of a response.
        retries: how many times one call is retried after the first attempt.
    """

    def __init__(self, url: str = "http://127.0.0.1:8080", api_key: Optional[str] = None,
                 timeout: float = 30.0, retries: int = 3) -> None:
        self._transport = Transport(url, api_key=api_key, timeout=timeout, retries=retries)

    @property
    def url(self) -> str:
        return self._transport.url

    def __repr__(self) -> str:
        return f"<optd.Client {self.url}>"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection (a later call reopens it)."""
        self._transport.close()

    def health(self) -> Dict[str, Any]:
        """``GET /healthz``: ``{"status": "ok", ...}``."""
        return loads(self._transport.request("GET", "/healthz", headers={"Accept": JSON}))

    def optimizers(self) -> List[Dict[str, Any]]:
        """Every optimizer the server offers, with its hyperparameters (type, default, bounds),
        variants and state buffers."""
        return loads(self._transport.request("GET", "/v1/optimizers", headers={"Accept": JSON}))["optimizers"]

    def sessions(self) -> List[Session]:
        """Every session on the server (their tensors 1-D: optd does not know the shapes)."""
        listing = loads(self._transport.request("GET", "/v1/sessions", headers={"Accept": JSON}))
        return [Session(self._transport, s, TensorLayout.from_document(s["tensors"])) for s in listing["sessions"]]

    def session(self, id: str, shapes: ShapeSpec = None) -> Session:
        """An existing session by id. Its tensors are 1-D unless `shapes` gives their shapes:
        one shape for a single tensor, or a dict name → shape."""
        document = loads(self._transport.request("GET", f"/v1/sessions/{quote(id, safe='')}", headers={"Accept": JSON}))
        return Session(self._transport, document, TensorLayout.from_document(document["tensors"], shapes))

    def create_session(self, optimizer: str, params: Any, dtype: str = "float32",
                       **hyperparameters: Any) -> Session:
        """Creates a session.

        Args:
            optimizer: ``"sgd"``, ``"momentum"``, ``"nag"``, ``"adagrad"``, ``"adadelta"``,
                ``"rmsprop"``, ``"adam"``, ``"adamw"`` or ``"nadam"``.
            params: the initial parameters: one array (a single tensor) or a dict name → array
                (named tensors, in the dict's order). Arrays of any shape are sent flattened
                (C order); the session remembers the shapes and returns results in them.
            dtype: ``"float32"`` or ``"float64"``: what the server computes in and the raw format.
            **hyperparameters: as in ``torch.optim`` (``lr=1e-2, betas=(0.9, 0.99)``, …);
                unset ones take the server's defaults.
        """
        wire = wire_dtype(dtype)
        layout = TensorLayout.of(params)
        body = {"optimizer": optimizer, "dtype": dtype, "hyperparameters": hyperparameters,
                "params": layout.to_json(params, wire, "params")}
        response = self._transport.request("POST", "/v1/sessions", dumps(body),
                                           {"Content-Type": JSON, "Accept": JSON}, retry_safe=False)
        return Session(self._transport, loads(response), layout)

    def restore(self, exported: Mapping[str, Any], shapes: ShapeSpec = None) -> Session:
        """A new session restored exactly from `Session.export()` (params, state, step,
        hyperparameters); the next steps give what the exported session's would have.
        Its tensors are 1-D unless `shapes` gives them (as for `session()`)."""
        response = self._transport.request("POST", "/v1/sessions", dumps(dict(exported)),
                                           {"Content-Type": JSON, "Accept": JSON}, retry_safe=False)
        document = loads(response)
        return Session(self._transport, document, TensorLayout.from_document(document["tensors"], shapes))
