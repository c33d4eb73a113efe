"""Tensor layouts: the session's tensors (names, shapes) and their flat, concatenated form.

A session holds either one unnamed tensor or named tensors in a fixed order. optd itself only
knows flat sizes; the shapes live here, client-side, so results come back as they were sent.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import tensor_mismatch

Tensors = Union[np.ndarray, Dict[str, np.ndarray]]
ShapeSpec = Union[Sequence[int], Mapping[str, Sequence[int]], None]

DTYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}


def wire_dtype(dtype: str) -> np.dtype:
    """The little-endian numpy dtype of an optd dtype name."""
    try:
        return DTYPES[dtype]
    except KeyError:
        raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}") from None


class TensorLayout:
    """Names (None for a single tensor), shapes, and the offsets of each tensor in a flat buffer."""

    def __init__(self, names: Sequence[Optional[str]], shapes: Sequence[Tuple[int, ...]]) -> None:
        self.names: List[Optional[str]] = list(names)
        self.shapes: List[Tuple[int, ...]] = [tuple(int(n) for n in s) for s in shapes]
        self.sizes: List[int] = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.offsets: List[int] = list(np.cumsum([0] + self.sizes[:-1]).tolist())
        self.total: int = sum(self.sizes)

    @property
    def single(self) -> bool:
        """One unnamed tensor (params was an array, not a dict)."""
        return self.names == [None]

    @classmethod
    def of(cls, params: Any) -> "TensorLayout":
        """The layout of params as given to create_session: one array or a dict name → array."""
        if isinstance(params, Mapping):
            if not params:
                raise ValueError("params must name at least one tensor")
            return cls([str(k) for k in params], [np.shape(v) for v in params.values()])
        return cls([None], [np.shape(params)])

    @classmethod
    def from_document(cls, tensors: Sequence[Mapping[str, Any]], shapes: ShapeSpec = None) -> "TensorLayout":
        """The layout of a session document's `tensors`, 1-D unless `shapes` says otherwise
        (one shape for a single tensor, or a dict name → shape)."""
        names = [t.get("name") for t in tensors]
        sizes = [int(t["size"]) for t in tensors]
        single = names == [None]
        if shapes is None:
            chosen = [(n,) for n in sizes]
        elif single:
            if isinstance(shapes, Mapping):
                raise ValueError("this session holds a single tensor: give shapes as one shape")
            chosen = [tuple(shapes)]
        else:
            if not isinstance(shapes, Mapping):
                raise ValueError("this session holds named tensors: give shapes as a dict name → shape")
            chosen = [tuple(shapes.get(name, (size,))) for name, size in zip(names, sizes)]
        layout = cls(names, chosen)
        for name, size, got in zip(names, sizes, layout.sizes):
            if size != got:
                raise ValueError(f"shape for tensor {name or 0!r} has {got} elements; the session's has {size}")
        return layout

    # --- to the server -------------------------------------------------------------------

    def arrays(self, values: Any, dtype: np.dtype, what: str) -> List[np.ndarray]:
        """Each tensor of `values` as a flat array of `dtype`, checked against the layout:
        exactly the layout's names, each with its size (any shape of that size is accepted)."""
        if self.single:
            if isinstance(values, Mapping):
                raise tensor_mismatch(f"/{what}", f"this session holds a single tensor; {what} must be an array, not a dict")
            items = [(None, values)]
        else:
            if not isinstance(values, Mapping):
                raise tensor_mismatch(f"/{what}", f"{what} must be a dict naming the session's tensors {self.names}")
            extra = [k for k in values if k not in self.names]
            if extra:
                raise tensor_mismatch(f"/{what}/{_pointer(extra[0])}", f"the session has no tensor {extra[0]!r}; its tensors are {self.names}")
            missing = [n for n in self.names if n not in values]
            if missing:
                raise tensor_mismatch(f"/{what}/{_pointer(missing[0])}", f"tensor {missing[0]!r} is missing")
            items = [(n, values[n]) for n in self.names]
        out = []
        for (name, value), size in zip(items, self.sizes):
            with np.errstate(over="ignore"):  # an overflow becomes ±inf, which optd refuses
                flat = np.asarray(value, dtype=dtype).reshape(-1)
            if flat.size != size:
                field = f"/{what}" + ("" if name is None else f"/{_pointer(name)}")
                label = what if name is None else f"tensor {name!r}"
                raise tensor_mismatch(field, f"{label} has {size} elements in the session; got {flat.size}")
            out.append(flat)
        return out

    def pack(self, values: Any, dtype: np.dtype, what: str = "gradients") -> bytes:
        """The raw body: the tensors as little-endian `dtype`, concatenated in layout order."""
        arrays = self.arrays(values, dtype, what)
        return (arrays[0] if len(arrays) == 1 else np.concatenate(arrays)).tobytes()

    def to_json(self, values: Any, dtype: np.dtype, what: str) -> Union[list, Dict[str, list]]:
        """The JSON form: one list of numbers, or a dict name → list. Values are rounded to
        `dtype` first, so the server gets exactly what the raw format would carry — except in a
        tensor where that rounding overflows: it is sent as given, for the server to name the
        element that overflows (NaN and ±inf become non-JSON tokens, which it refuses too)."""
        rounded = self.arrays(values, dtype, what)
        lists = []
        for array, (name, value) in zip(rounded, self._items(values)):
            if not np.isfinite(array).all():
                array = np.asarray(value, dtype=np.float64).reshape(-1)
            lists.append(array.tolist())
        return lists[0] if self.single else dict(zip(self.names, lists))

    def _items(self, values: Any) -> List[Tuple[Optional[str], Any]]:
        return [(None, values)] if self.single else [(n, values[n]) for n in self.names]

    # --- from the server -----------------------------------------------------------------

    def unpack(self, flat: np.ndarray) -> Tensors:
        """A flat buffer (all tensors concatenated) as the tensors, in their shapes."""
        if flat.size != self.total:
            raise ValueError(f"the server sent {flat.size} numbers; the session has {self.total}")
        if self.single:
            return flat.reshape(self.shapes[0])
        return {name: flat[o:o + n].reshape(shape)
                for name, o, n, shape in zip(self.names, self.offsets, self.sizes, self.shapes)}

    def from_bytes(self, body: Union[bytes, bytearray], dtype: np.dtype) -> Tensors:
        """A raw response body as the tensors (no copy: views into `body`)."""
        return self.unpack(np.frombuffer(body, dtype=dtype))

    def from_json(self, value: Any, dtype: np.dtype) -> Tensors:
        """A JSON array or dict of arrays as the tensors."""
        if self.single:
            return np.asarray(value, dtype=dtype).reshape(self.shapes[0])
        return {name: np.asarray(value[name], dtype=dtype).reshape(shape)
                for name, shape in zip(self.names, self.shapes)}

    def shape_spec(self) -> Union[Tuple[int, ...], Dict[str, Tuple[int, ...]]]:
        """The shapes in the form `Client.session(..., shapes=)` takes."""
        return self.shapes[0] if self.single else dict(zip(self.names, self.shapes))


def _pointer(name: str) -> str:
    """One JSON-pointer segment (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
