#!/usr/bin/env python3
"""Times torch.optim.AdamW on CPU for kernel-bench's comparison (see README.md).

For each size and thread count: AdamW(fused=True) and AdamW(foreach=False), float32, one
parameter tensor, the same warm-up / median scheme as kernel-bench. Before each step, untimed,
a buffer of 32 B per element is updated in place: what the two other contenders of a
kernel-bench round (the C loop and the other sweeper's session, 16 B/element each) move between
two steps of one session, so that the caches are in the same state. Prints one line per case:

    RESULT <implementation> <elements> <threads> <ms/step> <GB/s at 28 B/element>

Without torch it prints a one-line notice and exits 0 (torch is not a dependency of optd).

With --serve it steps on command instead (see serve()): kernel-bench then times torch's steps
in the same round robin as the C loop and optd's AdamW, so the ratios are paired.
"""
import argparse
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # e.g. torch's notice that NumPy is missing

try:
    import torch
except ImportError:
    print("torch: not installed (pip install torch to fill the torch columns)")
    sys.exit(0)


def repetitions(elements, quick):
    """(warm-up, measured) steps: 3/15 at 10M elements, 5/50 below; --quick cuts both."""
    large = elements >= 5_000_000
    if quick:
        return (1, 5) if large else (2, 15)
    return (3, 15) if large else (5, 50)


def time_adamw(elements, threads, options, quick):
    torch.set_num_threads(threads)
    flush = torch.zeros(8 * elements)  # 32 B per element
    generator = torch.Generator().manual_seed(0)
    param = torch.nn.Parameter(torch.randn(elements, generator=generator))
    param.grad = torch.randn(elements, generator=generator) * 1e-3
    optimizer = torch.optim.AdamW([param], lr=1e-3, weight_decay=1e-2, **options)
    warm_up, measured = repetitions(elements, quick)
    for _ in range(warm_up):
        flush.add_(1)
        optimizer.step()
    samples = []
    for _ in range(measured):
        flush.add_(1)
        start = time.perf_counter()
        optimizer.step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def serve():
    """Steps on command, for kernel-bench's paired comparison: one line in, one line out.

        setup <fused|foreach=False> <elements> <threads>  ->  ok | error <message>
        step                                               ->  <seconds the step took>
        quit

    kernel-bench times its own contenders between two `step`s, so torch's steps and optd's
    alternate at the same moments of the machine (and see the same cache state)."""
    optimizer = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "setup" and len(words) == 4:
            name, elements, threads = words[1], int(words[2]), int(words[3])
            options = {"fused": {"fused": True}, "foreach=False": {"foreach": False}}.get(name)
            if options is None:
                print(f"error unknown implementation {name}", flush=True)
                continue
            try:
                torch.set_num_threads(threads)
                generator = torch.Generator().manual_seed(0)
                param = torch.nn.Parameter(torch.randn(elements, generator=generator))
                param.grad = torch.randn(elements, generator=generator) * 1e-3
                optimizer = torch.optim.AdamW([param], lr=1e-3, weight_decay=1e-2, **options)
                optimizer.step()
            except (RuntimeError, TypeError) as error:  # fused AdamW on CPU needs torch >= 2.4
                optimizer = None
                print(f"error {error}".replace("\n", " "), flush=True)
                continue
            print("ok", flush=True)
        elif words[0] == "step" and optimizer is not None:
            start = time.perf_counter()
            optimizer.step()
            print(f"{time.perf_counter() - start:.9f}", flush=True)
        else:
            print(f"error unexpected command {line.strip()}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", action="store_true", help="step on command from stdin (kernel-bench's paired mode)")
    args = parser.parse_args()
    if args.serve:
        print(f"torch: {torch.__version__}", flush=True)
        serve()
        return
    implementations = [("fused", {"fused": True}), ("foreach=False", {"foreach": False})]
    print(f"torch: {torch.__version__}", flush=True)
    for elements in (int(s) for s in args.sizes.split(",")):
        for threads in (int(t) for t in args.threads.split(",")):
            for name, options in implementations:
                try:
                    seconds = time_adamw(elements, threads, options, args.quick)
                except (RuntimeError, TypeError) as error:  # fused AdamW on CPU needs torch >= 2.4
                    print(f"torch: AdamW({name}) unavailable: {error}", flush=True)
                    continue
                rate = 28 * elements / seconds / 1e9
                print(f"RESULT\t{name}\t{elements}\t{threads}\t{seconds * 1e3:.3f}\t{rate:.2f}", flush=True)


if __name__ == "__main__":
    main()
