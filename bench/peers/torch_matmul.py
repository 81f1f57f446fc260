"""PyTorch peer for bench/matmul.ts: GFLOPS of torch.matmul on the same cases, same thread count.

Usage: /usr/bin/python3 bench/peers/torch_matmul.py THREADS MIN_SECONDS < cases.json
cases.json: [{"a": [..shape..], "b": [..shape..], "tA": bool, "tB": bool}, ...]
Prints one JSON object {"wall": [...], "cpu": [...]}: GFLOPS per wall second and per CPU second
(all threads), in case order.
"""
import json
import sys
import time

import torch


def flops(a, b, ta, tb):
    m = a[-1] if ta else a[-2]
    k = a[-2] if ta else a[-1]
    n = b[-2] if tb else b[-1]
    batch = 1
    for x, y in zip([1] * (len(b) - len(a)) + list(a[:-2]), [1] * (len(a) - len(b)) + list(b[:-2])):
        batch *= max(x, y)
    return 2.0 * batch * m * n * k


def main():
    threads = int(sys.argv[1])
    min_s = float(sys.argv[2])
    torch.set_num_threads(threads)
    cases = json.load(sys.stdin)
    out, out_cpu = [], []
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for c in cases:
            a = torch.rand(c["a"], generator=gen, dtype=torch.float32) - 0.5
            b = torch.rand(c["b"], generator=gen, dtype=torch.float32) - 0.5
            ta, tb = c["tA"], c["tB"]
            f = lambda: torch.matmul(a.transpose(-1, -2) if ta else a, b.transpose(-1, -2) if tb else b)
            f()
            reps, t0, c0 = 0, time.perf_counter(), time.process_time()
            while True:
                f()
                reps += 1
                el = time.perf_counter() - t0
                if el >= min_s and reps >= 3:
                    break
            cpu = max(time.process_time() - c0, 1e-9)
            out.append(flops(c["a"], c["b"], ta, tb) * reps / el / 1e9)
            out_cpu.append(flops(c["a"], c["b"], ta, tb) * reps / cpu / 1e9)
    print(json.dumps({"wall": out, "cpu": out_cpu}))


if __name__ == "__main__":
    main()
