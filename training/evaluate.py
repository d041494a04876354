"""Held-out metrics for the model card, per domain, next to a unigram baseline.

- masked-token accuracy at 15% and 50% masking: every held-out token, in consecutive 256-token
  windows, each position masked with that probability (fixed seed); the model never predicts [MASK].
- NELBO in bits per byte: the MDLM continuous-time ELBO. With alpha_t = 1 - t the loss weight is
  1/t and, given t, the number k of masked positions is Binomial(n, t); integrating over t in
  closed form (int_0^1 t^-1 C(n,k) t^k (1-t)^(n-k) dt = 1/k) leaves
      NELBO(x) = sum_{k=1..n} E_{|M|=k} [ mean_{i in M} -log p(x_i | x_unmasked) ],
  which we estimate with k drawn (stratified) uniformly from 1..n, --draws per window. This is the
  same expectation as drawing t and weighting by 1/t, without the 1/t variance near t = 0.
  Nats per token become bits per byte with the held-out file's tokens/bytes ratio.
- unigram baseline from the train split's token counts of the same domain (add-one smoothed):
  accuracy = always predicting the most frequent token, bits per byte = its held-out cross-entropy.
- the same on the out-of-distribution sets (data/ood: numpy, click, attrs, @types/vscode), never
  trained on, subsampled to --max-ood-windows windows each.
Usage: /usr/bin/python3 evaluate.py CHECKPOINT_OR_MODEL_DIR --data data --out metrics.json [--max-windows N]
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from export import load_checkpoint  # noqa: E402
from onnx_weights import model_from_folder  # noqa: E402

DOMAINS = ("python", "typescript", "pydocs")
# Out-of-distribution sets (never trained on: corpus.py writes them to data/ood/) and the train
# domain whose unigram counts serve as their baseline.
OOD = {"numpy": "python", "click": "python", "attrs": "python", "vscode": "typescript"}
WINDOW = 256
BATCH = 8


def windows(tokens: np.ndarray, max_windows: int):
    """Consecutive windows covering the file (the last one shorter), evenly subsampled if asked."""
    starts = list(range(0, len(tokens), WINDOW))
    if max_windows and len(starts) > max_windows:
        starts = [starts[(i * len(starts)) // max_windows] for i in range(max_windows)]
    return [torch.from_numpy(tokens[s:s + WINDOW].astype(np.int64)) for s in starts]


def batches(rows):
    """Group equal-length windows into batches."""
    by_len = {}
    for r in rows:
        by_len.setdefault(len(r), []).append(r)
    for group in by_len.values():
        for i in range(0, len(group), BATCH):
            yield torch.stack(group[i:i + BATCH])


@torch.no_grad()
def log_probs(model, z, mask_id):
    logits = model(z).float()
    logits[..., mask_id] = -math.inf  # SUBS: [MASK] is never a prediction
    return F.log_softmax(logits, dim=-1)


@torch.no_grad()
def masked_accuracy(model, rows, mask_id, rate, g):
    hits = total = 0
    for x in batches(rows):
        masked = torch.rand(x.shape, generator=g) < rate
        pred = log_probs(model, torch.where(masked, torch.full_like(x, mask_id), x), mask_id).argmax(-1)
        hits += (pred[masked] == x[masked]).sum().item()
        total += masked.sum().item()
    return hits / max(1, total), total


@torch.no_grad()
def nelbo_per_token(model, rows, mask_id, draws, g):
    """Mean over windows of NELBO(x)/n in nats, and its standard error across windows."""
    per_window = []
    for x in batches(rows):
        b, n = x.shape
        total = torch.zeros(b)
        for d in range(draws):
            # k uniform on 1..n, stratified over each window's draws; then a uniform subset of size k.
            u = (d + torch.rand(b, generator=g)) / draws
            k = (u * n).long().clamp(0, n - 1) + 1
            ranks = torch.rand(b, n, generator=g).argsort(-1).argsort(-1)
            masked = ranks < k[:, None]
            lp = log_probs(model, torch.where(masked, torch.full_like(x, mask_id), x), mask_id)
            ce = -lp.gather(-1, x[..., None])[..., 0]
            total += (ce * masked).sum(-1) / k  # mean CE over the masked positions
        per_window += (total / draws).tolist()
    v = np.array(per_window)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else 0.0


def unigram(train: np.ndarray, heldout: np.ndarray, vocab: int, mask_id: int):
    counts = np.bincount(train, minlength=vocab).astype(np.float64) + 1.0
    counts[mask_id] = 0.0
    p = counts / counts.sum()
    return float((heldout == counts.argmax()).mean()), float(-np.log(p[heldout]).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path, help="a training checkpoint, or an exported model folder")
    ap.add_argument("--sets", choices=("all", "heldout", "ood"), default="all")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--draws", type=int, default=4, help="NELBO mask draws per window")
    ap.add_argument("--max-windows", type=int, default=0, help="subsample each domain to this many windows")
    ap.add_argument("--max-ood-windows", type=int, default=120, help="subsample each OOD set to this many windows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="stay off the training job's cores")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.checkpoint.is_dir():  # an exported model folder: its fp32 graph's weights
        model = model_from_folder(args.checkpoint)
        info = json.loads((args.checkpoint / "config.json").read_text()).get("diffusion_infill", {})
        state = dict(step=info.get("trained_steps"), tokens=info.get("trained_tokens"), seconds=info.get("train_seconds", 0))
    else:
        model, state = load_checkpoint(args.checkpoint)
    model.eval().float()
    c = model.config
    result = dict(checkpoint=dict(path=str(args.checkpoint), step=state.get("step"), tokens=state.get("tokens"),
                                  train_seconds=round(state.get("seconds", 0.0))),
                  window=WINDOW, draws=args.draws, seed=args.seed, max_ood_windows=args.max_ood_windows, domains={})
    start = time.time()
    sets = [("domains", "heldout", d, d, args.max_windows) for d in DOMAINS] + \
           [("ood", "ood", name, base, args.max_ood_windows) for name, base in OOD.items()]
    for group, split, name, base, max_windows in sets:
        if args.sets != "all" and split != args.sets:
            continue
        path = args.data / split / f"{name}.u16"
        if not path.exists():
            continue
        tokens = np.fromfile(path, dtype=np.uint16).astype(np.int64)
        meta = json.loads(path.with_suffix(".json").read_text())
        bytes_per_token = meta["bytes"] / meta["tokens"]
        rows = windows(tokens, max_windows)
        evaluated = sum(len(r) for r in rows)
        g = torch.Generator().manual_seed(args.seed)
        acc15, n15 = masked_accuracy(model, rows, c.mask_token_id, 0.15, g)
        acc50, n50 = masked_accuracy(model, rows, c.mask_token_id, 0.50, g)
        nats, stderr = nelbo_per_token(model, rows, c.mask_token_id, args.draws, g)
        train = np.fromfile(args.data / "train" / f"{base}.u16", dtype=np.uint16).astype(np.int64)
        uni_acc, uni_nats = unigram(train, tokens, c.vocab_size, c.mask_token_id)
        to_bpb = 1.0 / (bytes_per_token * math.log(2))
        result.setdefault(group, {})[name] = dict(
            heldout_tokens=len(tokens), evaluated_tokens=evaluated, windows=len(rows),
            masked_positions_15=n15, masked_positions_50=n50, bytes_per_token=round(bytes_per_token, 4),
            acc15=acc15, acc50=acc50, nelbo_nats_per_token=nats, nelbo_bpb=nats * to_bpb,
            nelbo_bpb_stderr=stderr * to_bpb,
            unigram=dict(acc=uni_acc, nats_per_token=uni_nats, bpb=uni_nats * to_bpb))
        print(f"{split}/{name}: {evaluated:,} of {len(tokens):,} tokens in {len(rows)} windows, "
              f"{time.time() - start:.0f}s so far", flush=True)
    result["seconds"] = round(time.time() - start)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("| domain | tokens evaluated | acc @15% | acc @50% | NELBO bits/byte | unigram acc | unigram bits/byte |")
    print("|---|---|---|---|---|---|---|")
    for domain, m in [*result["domains"].items(), *result.get("ood", {}).items()]:
        print(f"| {domain} | {m['evaluated_tokens']:,} | {100 * m['acc15']:.1f}% | {100 * m['acc50']:.1f}% | "
              f"{m['nelbo_bpb']:.3f} ± {m['nelbo_bpb_stderr']:.3f} | {100 * m['unigram']['acc']:.1f}% | "
              f"{m['unigram']['bpb']:.3f} |")


if __name__ == "__main__":
    main()
