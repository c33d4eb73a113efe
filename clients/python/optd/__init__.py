"""optd-client: the Python client of optd, hosted stateful neural-network optimizers.

    import numpy as np, optd
    client = optd.Client("http://127.0.0.1:8080")
    session = client.create_session("adam", {"w": np.zeros((3, 4)), "b": np.zeros(4)}, lr=1e-2)
    params = session.step({"w": grad_w, "b": grad_b})    # {"w": (3, 4) array, "b": (4,) array}

`optd.torch.RemoteOptimizer` is a drop-in ``torch.optim.Optimizer`` (needs torch; importing
`optd` does not).
"""
from .client import Client
from .errors import (BadRequest, Conflict, InsufficientStorage, InvalidRequest, MethodNotAllowed, NotFound,
                     OptdConnectionError, OptdError, PayloadTooLarge, PreconditionFailed, ServiceUnavailable,
                     Unauthorized, UnsupportedMediaType)
from .session import Session

__version__ = "0.1.0"

__all__ = [
    "Client", "Session", "OptdError", "BadRequest", "Unauthorized", "NotFound", "MethodNotAllowed",
    "Conflict", "PreconditionFailed", "PayloadTooLarge", "UnsupportedMediaType", "InvalidRequest",
    "ServiceUnavailable", "InsufficientStorage", "OptdConnectionError", "__version__",
]
