"""Peer for bench/arena.ts: the same weighted Bradley-Terry fit + bootstrap in numpy/scipy.

Reads battles as JSON on stdin ({"m", "rounds", "battles": [[i, j, outcome, weight], ...]}),
resamples battles with replacement (numpy), aggregates each resample into pair sums with
np.bincount, fits with scipy's L-BFGS-B (analytic gradient, first score pinned at 0, warm start
from the point estimate), and prints {"seconds", "scores", "lower", "upper"} as JSON.
Run with Debian's Python: /usr/bin/python3 bench/peers/arena_bt_bootstrap.py < battles.json
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize


def fit(W, N, m, x0):
    def f(free):
        xi = np.concatenate([[0.0], free])
        d = xi[:, None] - xi[None, :]
        loss = float(np.sum(W * np.logaddexp(0.0, -d)))
        s = 1 / (1 + np.exp(-d))
        g = np.sum(N * s - W, axis=1)  # N symmetric; W[i, j] = weighted score of i against j
        return loss, g[1:]
    r = minimize(f, x0[1:], jac=True, method='L-BFGS-B', options={'gtol': 1e-9, 'ftol': 1e-15, 'maxiter': 1000})
    return np.concatenate([[0.0], r.x])


def main():
    data = json.load(sys.stdin)
    m, rounds = data['m'], data['rounds']
    b = np.array(data['battles'], dtype=float)
    i, j, h, w = b[:, 0].astype(int), b[:, 1].astype(int), b[:, 2], b[:, 3]
    n = len(b)
    t0 = time.perf_counter()

    def pair_sums(idx):
        W = np.bincount(i[idx] * m + j[idx], weights=w[idx] * h[idx], minlength=m * m) + \
            np.bincount(j[idx] * m + i[idx], weights=w[idx] * (1 - h[idx]), minlength=m * m)
        C = np.bincount(i[idx] * m + j[idx], weights=w[idx], minlength=m * m)
        C = C.reshape(m, m)
        return W.reshape(m, m), C + C.T

    W, N = pair_sums(np.arange(n))
    point = fit(W, N, m, np.zeros(m))
    rng = np.random.default_rng(1)
    samples = []
    for _ in range(rounds):
        W, N = pair_sums(rng.integers(0, n, n))
        samples.append(fit(W, N, m, point))
    s = np.array(samples)
    secs = time.perf_counter() - t0
    print(json.dumps({'seconds': secs, 'scores': point.tolist(), 'lower': np.percentile(s, 2.5, axis=0).tolist(),
                      'upper': np.percentile(s, 97.5, axis=0).tolist()}))


main()
