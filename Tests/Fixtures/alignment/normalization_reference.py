#!/usr/bin/env python3
"""Independent NumPy reference for the normalisation, diagnostics and control measures of `align`.

Writes normalization-expected.json next to this script. The vectors are the formula of
Tests/AlignmentTests/IndependentImplementationTests.swift (`crossCheckSource`, float64 rounded to float32)
with a planted rogue dimension: dimension 5 of every vector gets 40 + 12·sin(2.1·i + 1.7·l + 0.3·t)
(large, varying, unrelated to the translation). Token lists are `tokenLists` of
NormalizationTests.swift. Run: python3 Tests/Fixtures/alignment/normalization_reference.py
"""
import json
import os
import numpy as np

L, N, D, T = 3, 37, 23, 3
LAYER = 1
MASK = (1 << 64) - 1


def vectors(rogue):
    out = {}
    i = np.arange(N)[:, None].astype(np.float64)
    j = np.arange(D)[None, :].astype(np.float64)
    for l in range(L):
        layers = []
        for t in range(T):
            shared = np.sin(1.3 * i + 0.7 * j) * (1 + 0.4 * t)
            own = 0.6 * np.sin(0.9 * i * (l + 1) + 0.5 * j + t) + 0.3 * (l + 1) * np.cos(0.2 * j + l)
            m = shared + own
            if rogue:
                m[:, 5] += 40 + 12 * np.sin(2.1 * i[:, 0] + 1.7 * l + 0.3 * t)
            layers.append(m.astype(np.float32).astype(np.float64))
        out[l] = layers
    return out


def normalize(xs, mode):
    z = np.concatenate(xs)
    mu = z.mean(0)
    if mode == "none":
        return xs
    if mode == "center":
        return [x - x.mean(0) for x in xs]
    if mode == "standardize":
        sd = z.std(0)
        inv = np.where(sd > 0, 1 / np.where(sd > 0, sd, 1), 0)
        return [(x - mu) * inv for x in xs]
    k = int(mode.split(":")[1])
    _, _, vt = np.linalg.svd(z - mu, full_matrices=False)
    v = vt[:k]
    return [(x - mu) - (x - mu) @ v.T @ v for x in xs]


def cos_matrix(x, y):
    nx = np.linalg.norm(x, axis=1)
    ny = np.linalg.norm(y, axis=1)
    s = x @ y.T
    d = np.outer(nx, ny)
    return np.where(d > 0, s / np.where(d > 0, d, 1), 0)


def retrieval(s):
    n = len(s)
    return float((np.argmax(s, 1) == np.arange(n)).mean()), float((np.argmax(s, 0) == np.arange(n)).mean())


def debiased_cka(x, y):
    def hsic(k, l):
        n = len(k)
        k = k.copy(); l = l.copy()
        np.fill_diagonal(k, 0); np.fill_diagonal(l, 0)
        return (np.sum(k * l) + k.sum() * l.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * k.sum(0) @ l.sum(0)) / (n * (n - 3))
    k, l = x @ x.T, y @ y.T
    a, b, c = hsic(k, l), hsic(k, k), hsic(l, l)
    return float(a / np.sqrt(b * c)) if b > 0 and c > 0 else 0.0


def diagnostics(xs):
    z = np.concatenate(xs)
    mu = z.mean(0)
    energy = (z ** 2).sum(0)
    variance = ((z - mu) ** 2).sum(0)
    order = sorted(range(D), key=lambda j: (-energy[j], j))[:3]
    s = np.linalg.svd(z - mu, compute_uv=False)
    return {"outliers": [[j, float(energy[j] / energy.sum()), float(variance[j] / variance.sum())] for j in order],
            "top_variance_share": float(variance.max() / variance.sum()),
            "pc1_variance_share": float(s[0] ** 2 / (s ** 2).sum())}


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def uniform(state, bound):
    """Lemire's multiply-shift with rejection, as SplitMix64.uniform(below:)."""
    state, x = splitmix(state)
    m = x * bound
    low = m & MASK
    if low < bound:
        threshold = ((1 << 64) - bound) % bound
        while low < threshold:
            state, x = splitmix(state)
            m = x * bound
            low = m & MASK
    return state, m >> 64


def derangement(n, seed):
    p = list(range(n))
    state = seed
    for i in range(n - 1, 0, -1):
        state, j = uniform(state, i)
        p[i], p[j] = p[j], p[i]
    return p


def token_lists(language):
    return [[(i * 7 + (language if i % 3 else 0) * 3 + t) % 11 for t in range(3 + i % 4)] + ([100 + i] if language != 2 else [])
            for i in range(N)]


def bag(tokens):
    v = np.zeros(200)
    for t in tokens:
        v[t] += 1 / len(tokens)
    return v


def main():
    out = {"layer": LAYER, "modes": {}, "diagnostics": {}, "derangement_seed": 12345}
    for rogue in (False, True):
        data = vectors(rogue)
        xs = [data[l][LAYER] for l in range(L)]
        key = "rogue" if rogue else "clean"
        out["diagnostics"][key] = diagnostics(xs)
        for mode in ("none", "center", "standardize", "all-but-top:1", "all-but-top:2"):
            ys = normalize(xs, mode)
            fwd, bwd = retrieval(cos_matrix(ys[0], ys[1]))
            s = cos_matrix(ys[0], ys[1])
            out["modes"][f"{key}/{mode}"] = {
                "retrieval_p1_fwd": fwd, "retrieval_p1_bwd": bwd,
                "cosine": float(np.mean(np.diag(s))),
                "cka_debiased": debiased_cka(ys[0] - ys[0].mean(0), ys[1] - ys[1].mean(0)),
            }
    pi = derangement(N, out["derangement_seed"])
    out["derangement"] = pi
    data = vectors(False)
    x, y = data[0][LAYER], data[1][LAYER][pi]
    fwd, bwd = retrieval(cos_matrix(x, y))
    out["shuffled_retrieval_p1"] = (fwd + bwd) / 2
    bx = np.array([bag(t) for t in token_lists(0)])
    by = np.array([bag(t) for t in token_lists(1)])
    s = cos_matrix(bx, by)
    fwd, bwd = retrieval(s)
    out["lexical"] = {"retrieval_p1": (fwd + bwd) / 2, "cosine": float(np.mean(np.diag(s)))}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "normalization-expected.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
