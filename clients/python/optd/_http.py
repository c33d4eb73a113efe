"""HTTP transport: one persistent keep-alive connection, transparent reconnects, bounded retries.

Only the standard library (`http.client`). Requests on one `Transport` are serialised by a
lock, so sharing it between threads is safe but gives no parallelism.
"""
from __future__ import annotations

import http.client
import random
import select
import threading
import time
from typing import Dict, Mapping, NamedTuple, Optional
from urllib.parse import urlsplit

from .errors import OptdConnectionError, error_from_response

USER_AGENT = "optd-python/0.1.0"

# Failures of the connection rather than answers of the server.
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


class Response(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytearray
    attempts: int  # 1 when the first attempt was answered

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)


class Transport:
    """Sends requests to one optd server over one reused connection.

    Retries (at most `retries` more attempts, exponential backoff from `backoff` seconds):
    - a request marked `retry_safe` (GET, PATCH, DELETE, and steps, which carry an
      Idempotency-Key) is retried after any connection failure — refused, reset, timed out,
      or closed before the whole response arrived — and after a 503;
    - any other request (session creation) only when it provably never reached the server:
      the connection could not be made, or it broke before the request was fully sent; and
      after a 503 (a failed request changes nothing).
    """

    def __init__(self, url: str, api_key: Optional[str] = None, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.05) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"optd URL must be http:// or https://, not {url!r}")
        if not parts.hostname:
            raise ValueError(f"optd URL has no host: {url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._host_header = parts.netloc.rpartition("@")[2]
        self.url = f"{parts.scheme}://{parts.netloc}{self._prefix}"
        self.api_key = api_key
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Closes the connection; the next request opens a new one."""
        with self._lock:
            self._drop()

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Mapping[str, str]] = None, retry_safe: bool = True) -> Response:
        """Sends one request, retrying as described in the class; raises `OptdError` on an error
        status and `OptdConnectionError` when every attempt failed to get an answer."""
        all_headers: Dict[str, str] = {"User-Agent": USER_AGENT, "Host": self._host_header}
        if self.api_key is not None:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers or {})
        if body is not None or method in ("POST", "PATCH", "PUT"):
            all_headers["Content-Length"] = str(len(body or b""))
        target = self._prefix + path
        attempt = 0
        with self._lock:
            while True:
                attempt += 1
                sent = False
                try:
                    conn = self._connection()
                    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                    for name, value in all_headers.items():
                        conn.putheader(name, value)
                    conn.endheaders(body)
                    sent = True
                    response = conn.getresponse()
                    data = _read_body(response)
                    if response.will_close:
                        self._drop()
                except _TRANSPORT_ERRORS as error:
                    self._drop()
                    if attempt <= self.retries and (retry_safe or not sent):
                        self._sleep(attempt)
                        continue
                    raise OptdConnectionError(
                        f"{method} {self.url}{path} failed after {attempt} attempt(s): "
                        f"{type(error).__name__}: {error}") from error
                if response.status == 503 and attempt <= self.retries:
                    self._sleep(attempt)
                    continue
                if response.status >= 400:
                    failure = error_from_response(response.status, response.reason,
                                                response.getheader("Content-Type", ""), bytes(data))
                    failure.attempts = attempt
                    raise failure
                return Response(response.status, response.headers, data, attempt)

    def _connection(self) -> http.client.HTTPConnection:
        """The open connection, or a new one when there is none or the server has closed it."""
        if self._conn is not None and self._conn.sock is not None and _is_dropped(self._conn.sock):
            self._drop()
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.timeout)
        if self._conn.sock is None:
            self._conn.connect()
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _sleep(self, attempt: int) -> None:
        delay = min(2.0, self.backoff * 2 ** (attempt - 1))
        time.sleep(delay * (0.5 + random.random() / 2))


def _read_body(response: http.client.HTTPResponse) -> bytearray:
    """The whole body, read into a bytearray (so numpy views of it are writable)."""
    length = response.length
    if not length:  # unknown (read to EOF) or empty: read() also finishes the response
        return bytearray(response.read())
    data = bytearray(length)
    view = memoryview(data)
    got = 0
    while got < length:
        n = response.readinto(view[got:])
        if not n:
            raise http.client.IncompleteRead(bytes(view[:got]), length - got)
        got += n
    return data


def _is_dropped(sock) -> bool:
    """Whether an idle keep-alive socket was closed by the server (it reads as EOF)."""
    try:
        if hasattr(select, "poll"):  # no FD_SETSIZE limit
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)  # an idle connection has nothing to read unless it was closed
    except (OSError, ValueError):
        return True
