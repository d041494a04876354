"""Does the model's final layer know how long a hole's answer is, beyond what the length search's
first score reads from it (src/worker/lengthSearch.ts)? A measurement, not part of the recipe.

Spans of 1-8 tokens are cut from DATA's training token files (held-out and evaluation files are
never read). Each span's hole is laid out as the search lays it out: SCORING_CONTEXT (32) tokens a
side, the hole at each candidate length (1-8, 10, 13, 16) with the one context token a side masked
with it, the first score computed as the search computes it. Then linear heads on the frozen final
hidden states, fitted on 80% of the spans, are asked to rank the true length first on the other 20%:
  - per candidate row: the hole's mean state, its first and last position's, the two probes', added
    to the first score;
  - one row with the hole at the bound (16 masks): the states at the candidate's last position and
    the position after it, alone and added to the first score.
Features are cached in OUT_DIR (candidates.npz, bound16.npy); delete them to recompute.
Usage: /usr/bin/python3 length_probe.py MODEL_DIR DATA_DIR OUT_DIR [--examples N] [--threads T]
"""
import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch

from onnx_weights import model_from_folder
from train import load_split

CONTEXT = 32
CANDIDATES = [1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 16]
BOUND = CANDIDATES[-1]
DOMAINS = {"python": 0, "typescript": 1, "pydocs": 2}


def cut_spans(data: Path, n: int, rng: random.Random, separator: int):
    """`n` spans whose windows never cross a document boundary (`separator`, the end token)."""
    files = load_split(data, "train")
    out = []
    while len(out) < n:
        d = rng.choice(list(DOMAINS))
        tokens = files[d]
        length = rng.randint(1, 8)
        start = rng.randrange(CONTEXT, len(tokens) - CONTEXT - length)
        window = tokens[start - CONTEXT: start + length + CONTEXT].astype(np.int64)
        if not (window == separator).any():
            out.append((DOMAINS[d], length, window))
    return out


def rows(spans, k: int, mask_id: int):
    """Each span's window with the hole at `k` masks and its two probes masked, and the unmasked ids."""
    truth = torch.from_numpy(np.stack([np.concatenate([w[:CONTEXT], np.full(k, mask_id), w[CONTEXT + n:]]) for _, n, w in spans]))
    ids = truth.clone()
    ids[:, CONTEXT - 1: CONTEXT + k + 1] = mask_id
    return ids, truth


@torch.no_grad()
def candidate_features(model, spans, batch=64):
    """Per span and candidate: the first score, and [hole mean, hole first, hole last, left probe, right probe] states."""
    mask_id, d = model.config.mask_token_id, model.config.hidden_size
    scores = np.zeros((len(spans), len(CANDIDATES)), np.float32)
    feats = np.zeros((len(spans), len(CANDIDATES), 5 * d), np.float32)
    for c, k in enumerate(CANDIDATES):
        lp, rp = CONTEXT - 1, CONTEXT + k
        for i in range(0, len(spans), batch):
            ids, truth = rows(spans[i: i + batch], k, mask_id)
            h = model.hidden(ids)
            # Logits only where the score reads them (the probes and the hole), the mask excluded.
            logp = model.logits(h[:, lp: rp + 1])
            logp[..., mask_id] = -float("inf")
            logp = logp.log_softmax(-1)
            probe = (logp[:, 0].gather(1, truth[:, lp: lp + 1]) + logp[:, -1].gather(1, truth[:, rp: rp + 1])).squeeze(1) / 2
            scores[i: i + len(ids), c] = (probe + logp[:, 1:-1].max(-1).values.mean(1)).numpy()
            feats[i: i + len(ids), c] = torch.cat([h[:, CONTEXT: rp].mean(1), h[:, CONTEXT], h[:, rp - 1], h[:, lp], h[:, rp]], -1).numpy()
    return scores, feats


@torch.no_grad()
def bound_states(model, spans, batch=64):
    """The states from the left probe to the right probe with the hole at BOUND masks."""
    out = np.zeros((len(spans), BOUND + 2, model.config.hidden_size), np.float32)
    for i in range(0, len(spans), batch):
        ids, _ = rows(spans[i: i + batch], BOUND, model.config.mask_token_id)
        out[i: i + len(ids)] = model.hidden(ids)[:, CONTEXT - 1: CONTEXT + BOUND + 1].numpy()
    return out


def fit(logits_of, params, target, train, decay, epochs=300):
    """Adam on the cross-entropy of the true length over the candidates, L2 `decay` on the heads
    (`params` less the first score's weight, its last)."""
    opt = torch.optim.Adam(params, lr=1e-2)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits_of(train), target[train]) + decay * sum((p * p).sum() for p in params[:-1])
        loss.backward()
        opt.step()
    with torch.no_grad():
        return logits_of(torch.ones_like(train)).numpy()


def report(name, ranked, target, domain, rows_):
    first = ranked.argmax(1) == target
    top3 = (np.argsort(-ranked, 1)[:, :3] == target[:, None]).any(1)
    by = ", ".join(f"{d} {100 * first[rows_ & (domain == i)].mean():.1f}%" for d, i in DOMAINS.items())
    print(f"| {name} | {100 * first[rows_].mean():.1f}% | {100 * top3[rows_].mean():.1f}% | {by} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path)
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--examples", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    model = model_from_folder(args.model)
    eos_id = json.loads((args.model / "config.json").read_text())["eos_token_id"]
    spans = cut_spans(args.data, args.examples, random.Random(0), eos_id)
    target = np.array([CANDIDATES.index(n) for _, n, _ in spans])
    domain = np.array([d for d, _, _ in spans])
    cached = args.out / "candidates.npz"
    if not cached.exists():
        np.savez(cached, *candidate_features(model, spans))
    z = np.load(cached)
    scores, feats = z["arr_0"], z["arr_1"]
    cached = args.out / "bound16.npy"
    if not cached.exists():
        np.save(cached, bound_states(model, spans))
    bound = np.load(cached)

    n = len(spans)
    train = torch.arange(n) < int(n * 0.8)
    val = ~train.numpy()
    s, f, t = torch.from_numpy(scores), torch.from_numpy(feats), torch.from_numpy(target)
    print(f"{n} spans, the last {val.sum()} held out of the fits; true length ranked first among {len(CANDIDATES)} candidates:")
    print("| ranking | first | among the best three | per domain, first |\n|---|---|---|---|")
    report("the first score alone (the shipped search's)", scores, target, domain, val)
    for decay in (1e-3, 1e-1, 1.0):
        u, alpha = torch.zeros(f.shape[-1], requires_grad=True), torch.ones(1, requires_grad=True)
        ranked = fit(lambda r: alpha * s[r] + f[r] @ u, [u, alpha], t, train, decay)
        report(f"first score + head on each candidate row's states (L2 {decay})", ranked, target, domain, val)
    h = torch.from_numpy(bound)
    h = (h - h[train].mean((0, 1))) / (h[train].std((0, 1)) + 1e-4)
    at = torch.tensor(CANDIDATES)  # a candidate's last position is state `at`, the next one `at + 1`
    for with_first in (False, True):
        for decay in (1e-2, 1.0):
            a, b, alpha = torch.zeros(h.shape[-1], requires_grad=True), torch.zeros(h.shape[-1], requires_grad=True), torch.ones(1, requires_grad=True)
            ranked = fit(lambda r: h[r][:, at] @ a + h[r][:, at + 1] @ b + (alpha * s[r] if with_first else 0), [a, b, alpha], t, train, decay)
            report(f"{'first score + ' if with_first else ''}head on the bound row's states (L2 {decay})", ranked, target, domain, val)


if __name__ == "__main__":
    main()
