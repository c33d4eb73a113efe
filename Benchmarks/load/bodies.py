#!/usr/bin/env python3
"""Request bodies for Benchmarks/load/run.sh (standard library only).

    bodies.py session OPTIMIZER N OUT   # POST /v1/sessions: N float32 params, hyperparameters {"lr": 0}
    bodies.py json N OUT                # {"gradients": [...]}: N float32 gradients, shortest round-trip text
    bodies.py raw N OUT                 # the same N gradients as little-endian float32 (4*N bytes)

Gradients are ~N(0, 1e-6) (standard deviation 1e-3, none closer to 0 than 1e-6), parameters
~N(0, 0.05^2); both are float32 values written in the shortest text that reads back as the same
float32, as TensorJSON and numpy write them. The generator is seeded: every run sends the same bytes.
"""
import math
import random
import struct
import sys

_F32 = struct.Struct("<f")


def f32(x):
    """x rounded to the nearest float32 (as a Python float)."""
    return _F32.unpack(_F32.pack(x))[0]


def shortest(x):
    """The shortest %g text of the float32 x that reads back as x."""
    for digits in range(1, 10):
        text = "%.*g" % (digits, x)
        if f32(float(text)) == x:
            return text
    return repr(x)


def gradients(n, seed=42):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x = rng.gauss(0.0, 1e-3)
        if abs(x) < 1e-6:
            x = math.copysign(1e-6, x)
        out.append(f32(x))
    return out


def params(n, seed=7):
    rng = random.Random(seed)
    return [f32(rng.gauss(0.0, 0.05)) for _ in range(n)]


def json_array(values):
    return "[" + ",".join(shortest(v) for v in values) + "]"


def main(argv):
    kind = argv[1]
    if kind == "session":
        optimizer, n, out = argv[2], int(argv[3]), argv[4]
        text = '{"optimizer":"%s","hyperparameters":{"lr":0},"params":%s}' % (optimizer, json_array(params(n)))
        data = text.encode()
    elif kind == "json":
        n, out = int(argv[2]), argv[3]
        data = ('{"gradients":%s}' % json_array(gradients(n))).encode()
    elif kind == "raw":
        n, out = int(argv[2]), argv[3]
        data = struct.pack("<%df" % n, *gradients(n))
    else:
        sys.exit("usage: bodies.py session OPTIMIZER N OUT | json N OUT | raw N OUT")
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv)
