"""Train the embedded model with the MDLM objective, resumably, on CPU or a GPU (bf16 autocast where
the hardware has bf16 arithmetic, else fp32).

Loss: cross-entropy at masked positions weighted by 1/t, t ~ U(eps, 1) drawn antithetically
across the batch, with the log-linear schedule alpha_t = 1 - t (each token masked with prob. t).
Usage: python3 train.py --data data --tokenizer runs/tokenizer --out runs/small [--preset small]
Re-running the same command resumes from OUT/checkpoint.pt. `--init-from MODEL_DIR` starts a new
run from the weights of an exported model folder (its fp32 onnx/model.onnx) instead of at random.
"""
import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import EXPAND_TOKEN, DiffusionLM, ModelConfig, tokenizer_vocab, vocab_size  # noqa: E402
from onnx_weights import model_from_folder  # noqa: E402

PRESETS = {
    # What the committed model was trained with (2 CPU cores).
    "small": dict(model=dict(hidden_size=256, num_layers=4, num_heads=4), tokens_per_step=4096, lr=2e-3,
                  total_steps=10000, warmup=300),
    # Six blocks of the small width: grown from a 4-block model folder with --init-from (the two
    # new blocks start as identities), or trained from scratch.
    "small6": dict(model=dict(hidden_size=256, num_layers=6, num_heads=4), tokens_per_step=4096, lr=1e-3,
                   total_steps=20000, warmup=200),
    # Eight blocks of the small width, grown from stage 15's six (--init-from) for more capacity on
    # CPU: 1.5 s a step on two cores (six blocks: 1.3), the packaged extension still under 80 MB.
    "small8": dict(model=dict(hidden_size=256, num_layers=8, num_heads=4), tokens_per_step=4096, lr=3e-4,
                   total_steps=4000, warmup=200),
    # Ten blocks of the small width, grown from stage 20's eight (--init-from): stage 23, the shipped
    # model (1.6 s a step; the packages carry its int8 graph only, to stay under 80 MB).
    "small10": dict(model=dict(hidden_size=256, num_layers=10, num_heads=4), tokens_per_step=4096, lr=3e-4,
                    total_steps=3000, warmup=200),
    # For one call on a lent GPU machine (gpu.sh): the shipped model's shape (ten blocks) from its
    # weights (--init-from), 16x the tokens a step. Ten blocks keep the fp32 file under 50 MB (the
    # limit for a file in git); the steps come from the call's time (--minutes).
    "gpu": dict(model=dict(hidden_size=256, num_layers=10, num_heads=4), tokens_per_step=65536, lr=5e-4,
                total_steps=20000, warmup=200),
    # A few steps for CI's smoke test.
    "smoke": dict(model=dict(hidden_size=32, num_layers=1, num_heads=2), tokens_per_step=512, lr=2e-3,
                  total_steps=5, warmup=1),
}
DOMAIN_WEIGHTS = {"python": 0.42, "pydocs": 0.38, "typescript": 0.20}
# Sequence lengths and how often each is drawn: mostly short (cheap) windows, enough full ones
# that every position embedding is trained.
LENGTHS = [(128, 0.15), (256, 0.55), (512, 0.30)]
EPS = 1e-3
# --minutes: the first steps (CUDA's warm-up) are not timed, the next are; the horizon leaves a
# margin for the held-out checks and checkpoints, and time for the last check and save.
BUDGET_SKIP, BUDGET_TIMED, BUDGET_MARGIN, BUDGET_RESERVE_S = 5, 20, 1.05, 30


def load_split(data: Path, split: str):
    out = {}
    for domain in DOMAIN_WEIGHTS:
        path = data / split / f"{domain}.u16"
        if path.exists():
            out[domain] = np.fromfile(path, dtype=np.uint16)
    return out


def batch(corpus, rng: random.Random, length: int, size: int, broad=None, share: float = 0.0):
    """Rows from the domains by DOMAIN_WEIGHTS; with `broad`, each row comes from its train split
    instead with probability `share` (the same domain weights)."""
    domains = list(corpus)
    weights = [DOMAIN_WEIGHTS[d] for d in domains]
    rows = []
    for _ in range(size):
        source = broad if broad is not None and rng.random() < share else corpus
        tokens = source[rng.choices(domains, weights)[0]]
        start = rng.randrange(0, max(1, len(tokens) - length))
        rows.append(tokens[start:start + length].astype(np.int64))
    return torch.from_numpy(np.stack(rows))


# The objective mix (fractions of each batch's rows): MDLM's independent masking, contiguous spans
# (what the editor masks), spans padded with end tokens up to an allotted length (so the model
# learns to end an answer when the hole is longer than the text), and DreamOn's expand/delete
# spans (the model learns to grow and shrink a hole; needs EXPAND_TOKEN in the tokenizer).
OBJECTIVES = {"mdlm": 1.0, "span": 0.0, "eos": 0.0, "expand": 0.0}
MAX_SPAN = 64


def span_mask(n: int, t: float, rng: random.Random) -> torch.Tensor:
    """Contiguous spans of 1..MAX_SPAN tokens (log-uniform) until a fraction t of the row is masked."""
    masked = torch.zeros(n, dtype=torch.bool)
    goal = max(1, round(t * n))
    while int(masked.sum()) < goal:
        length = min(n, int(math.exp(rng.uniform(0, math.log(MAX_SPAN + 1)))))
        start = rng.randrange(0, n - length + 1)
        masked[start:start + length] = True
    return masked


def eos_row(x: torch.Tensor, t: float, eos_id: int, rng: random.Random):
    """A hole of `allotted` tokens holding `kept` tokens of text then end tokens, masked whole (half
    the rows: the sampler's first step, where the answer's length is decided) or at rate t.
    Returns the row (text shifted right after the hole), its mask and whether it is whole."""
    n = x.shape[0]
    kept = min(n // 2, int(math.exp(rng.uniform(0, math.log(48 + 1)))))
    # Up to 16 end tokens even after a 1-token text: the runtime's default bound is 16.
    allotted = min(n // 2, kept + rng.randrange(0, max(17, 2 * kept + 9)))
    start = rng.randrange(0, n - allotted + 1)
    row = torch.cat([x[:start + kept], torch.full((allotted - kept,), eos_id, dtype=x.dtype), x[start + kept:]])[:n]
    masked = torch.zeros(n, dtype=torch.bool)
    whole = rng.random() < 0.5
    masked[start:start + allotted] = True if whole else torch.rand(allotted) < t
    if not masked.any():
        masked[start + rng.randrange(allotted)] = True
    return row, masked, whole


def expand_row(x: torch.Tensor, t: float, eos_id: int, expand_id: int, rng: random.Random):
    """A hole as DreamOn trains it (DreamLM/DreamOn, sft_expand_dataset.py): a span of text followed
    by up to 16 end tokens (each a delete: the position leaves the hole), masked whole (half the
    rows) or at rate t, every end token masked; then disjoint pairs of adjacent masked text positions
    merge with probability p into one position whose target is the expand token (it becomes two
    masks). p is DreamOn's: 0.5 in 40% of rows, else 0.5 times the unmasked share. Returns the row
    (the text after the hole shifted to fit, the end padded with unmasked end tokens), its targets,
    its mask and whether it is whole."""
    n = x.shape[0]
    kept = min(n // 2, int(math.exp(rng.uniform(0, math.log(48 + 1)))))
    deletes = rng.randrange(0, 17)
    start = rng.randrange(0, n - kept + 1)
    whole = rng.random() < 0.5
    text = x[start:start + kept].tolist()
    masked = [whole or rng.random() < t for _ in text]
    p = 0.5 if rng.random() < 0.4 else 0.5 * (1 - sum(masked) / kept)
    hole, i = [], 0  # (input, target, masked) of each hole position
    while i < kept:
        if i + 1 < kept and masked[i] and masked[i + 1] and rng.random() < p:
            hole.append((text[i], expand_id, True))
            i += 2
        else:
            hole.append((text[i], text[i], masked[i]))
            i += 1
    hole += [(eos_id, eos_id, True)] * deletes
    tokens, targets, hole_mask = (list(column) for column in zip(*hole))
    if not any(hole_mask):
        hole_mask[rng.randrange(len(hole_mask))] = True
    before, after = x[:start].tolist(), x[start + kept:].tolist()
    row = (before + tokens + after)[:n]
    target = (before + targets + after)[:n]
    mask = ([False] * len(before) + hole_mask + [False] * len(after))[:n]
    pad = n - len(row)
    row, target, mask = row + [eos_id] * pad, target + [eos_id] * pad, mask + [False] * pad
    return torch.tensor(row, dtype=x.dtype), torch.tensor(target, dtype=x.dtype), torch.tensor(mask), whole


def mixed_loss(model, x, mask_id, eos_id, generator, rng: random.Random, objectives=OBJECTIVES, expand_id=None):
    """1/t-weighted masked cross-entropy over rows masked by the objective mix (t antithetic across
    the batch). For span and end-token rows t is the masking rate inside the masked region (1 for a
    hole masked whole). Expand rows have their own targets (the expand token where two positions merged)."""
    b, n = x.shape
    u = torch.rand(1, generator=generator).item()
    t = ((u + torch.arange(b) / b) % 1.0) * (1 - EPS) + EPS  # antithetic t across the batch
    masked = torch.rand(b, n, generator=generator) < t[:, None]
    kinds = rng.choices(list(objectives), list(objectives.values()), k=b)
    x = x.clone()
    target = x.clone()
    for i, kind in enumerate(kinds):
        if kind == "span":
            masked[i] = span_mask(n, float(t[i]), rng)
        elif kind == "eos":
            x[i], masked[i], whole = eos_row(x[i], float(t[i]), eos_id, rng)
            target[i] = x[i]
        elif kind == "expand":
            x[i], target[i], masked[i], whole = expand_row(x[i], float(t[i]), eos_id, expand_id, rng)
        if kind in ("eos", "expand") and whole:
            t[i] = 1.0  # a whole hole is the t = 1 end of the process: weight 1
    # Masks are drawn on the CPU (one seeded stream whatever the device), then moved to the model.
    device = next(model.parameters()).device
    x, target, masked, t = x.to(device), target.to(device), masked.to(device), t.to(device)
    h = model.hidden(torch.where(masked, torch.full_like(x, mask_id), x))
    logits = model.logits(h[masked]).float()
    logits[:, mask_id] = -1e4  # SUBS: the mask is never a prediction
    ce = F.cross_entropy(logits, target[masked], reduction="none")
    weights = (1.0 / t)[:, None].expand(b, n)[masked]
    return (ce * weights).sum() / (b * n), (logits.argmax(-1) == target[masked]).float().mean()


def parse_objectives(text: str) -> dict:
    """'mdlm=0.4,span=0.3,eos=0.3' -> fractions; unknown names refused."""
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name not in OBJECTIVES:
            raise SystemExit(f"train.py: --objectives: unknown objective {name!r} (known: {', '.join(OBJECTIVES)})")
        out[name] = float(value)
    return out


def parse_broad(text: str) -> tuple:
    """'data=0.5' -> ('data', 0.5): a second corpus's folder and the share of rows drawn from it."""
    folder, _, share = text.rpartition("=")
    try:
        value = float(share)
    except ValueError:
        value = -1.0
    if not folder or not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"--broad wants DIR=SHARE with SHARE in (0, 1], got {text!r}")
    return str(Path(folder)), value


def bf16_is_fast(device) -> bool:
    """bf16 autocast is 7x faster than fp32 on CPUs with AVX512-BF16 or AMX, and ~20x slower without."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def grown_weights(folder: Path, model: DiffusionLM) -> dict:
    """The weights of an exported model folder, with any blocks `model` has beyond the folder's
    appended as identities (conv, attention output and MLP output zeroed), so the grown model starts
    as exactly the folder's function, and any tokens beyond the folder's vocabulary appended with
    their fresh embeddings (an added output the old tokens' logits do not change for)."""
    theirs, ours = model_from_folder(folder).state_dict(), model.state_dict()
    old, new = theirs["embed.weight"], ours["embed.weight"]
    if old.shape[0] < new.shape[0] and old.shape[1:] == new.shape[1:]:
        theirs["embed.weight"] = torch.cat([old, new[old.shape[0]:]])
    extra = [k for k in ours if k not in theirs]
    misfit = [k for k in ours if k in theirs and theirs[k].shape != ours[k].shape] + \
        [k for k in extra if not k.startswith("blocks.")]
    if misfit:  # only whole blocks can be added
        raise SystemExit(f"{folder}: no initializer of the right shape for {', '.join(misfit)}")
    for key in extra:
        theirs[key] = ours[key].clone()
        if key.split(".")[2] in ("conv", "proj", "mlp_out"):
            theirs[key].zero_()
    return theirs


def lr_at(step, preset):
    if step < preset["warmup"]:
        return preset["lr"] * (step + 1) / preset["warmup"]
    progress = min(1.0, (step - preset["warmup"]) / max(1, preset["total_steps"] - preset["warmup"]))
    return preset["lr"] * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def heldout_accuracy(model, heldout, mask_id, rate=0.15, length=256, windows=24):
    device = next(model.parameters()).device
    model.eval()
    result = {}
    g = torch.Generator().manual_seed(1234)
    for domain, tokens in heldout.items():
        hits = total = 0
        for i in range(windows):
            start = (i * (len(tokens) - length)) // windows
            x = torch.from_numpy(tokens[start:start + length].astype(np.int64))[None]
            masked = torch.rand(x.shape, generator=g) < rate
            x, masked = x.to(device), masked.to(device)
            logits = model(torch.where(masked, torch.full_like(x, mask_id), x))
            logits[..., mask_id] = -1e4
            hits += (logits.argmax(-1)[masked] == x[masked]).sum().item()
            total += masked.sum().item()
        result[domain] = hits / max(1, total)
    model.train()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--tokenizer", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--preset", choices=PRESETS, default="small")
    ap.add_argument("--total-steps", type=int, help="override the preset (may change on resume)")
    ap.add_argument("--lr", type=float, help="override the preset's peak learning rate")
    ap.add_argument("--warmup", type=int, help="override the preset's warm-up steps")
    ap.add_argument("--init-from", type=Path, help="a model folder whose weights start a new run")
    ap.add_argument("--objectives", type=parse_objectives, default=dict(OBJECTIVES),
                    help="objective mix, e.g. mdlm=0.4,span=0.3,eos=0.3 (fixed for a run: stored in the checkpoint)")
    ap.add_argument("--broad", type=parse_broad,
                    help="DIR=SHARE: that share of the rows from DIR's train split (a broader corpus with the same "
                         "domains; the held-out check stays --data's); fixed for a run: stored in the checkpoint")
    ap.add_argument("--seed", type=int, default=0, help="weight init, data order and masking")
    ap.add_argument("--stop-after", type=int, help="stop at this step (for smoke runs)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto",
                    help="auto: bf16 autocast where the hardware runs it fast")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--minutes", type=float,
                    help="wall-clock budget of this run (a GPU call's limit): the horizon is set from the "
                         "speed of the first steps so that training and the final save end inside it, and stored")
    args = ap.parse_args()
    started = time.time()

    preset = dict(PRESETS[args.preset])
    if args.total_steps:
        preset["total_steps"] = args.total_steps
    for key in ("lr", "warmup"):
        if getattr(args, key) is not None:
            preset[key] = getattr(args, key)
    torch.set_num_threads(args.threads)
    tokenizer = json.loads((args.tokenizer / "tokenizer.json").read_text())
    vocab = tokenizer_vocab(tokenizer)
    config = ModelConfig(vocab_size=vocab_size(vocab), mask_token_id=vocab["[MASK]"], **preset["model"])
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    model = DiffusionLM(config).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=preset["lr"], betas=(0.9, 0.98), weight_decay=0.03)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.out / "checkpoint.pt"
    state = dict(step=0, tokens=0, seconds=0.0, rng=random.Random(args.seed).getstate(), objectives=args.objectives)
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        print(f"resumed at step {state['step']} ({state['tokens']:,} tokens)", flush=True)
    elif args.init_from:
        model.load_state_dict(grown_weights(args.init_from, model))
        print(f"initialised from {args.init_from}", flush=True)
    rng = random.Random()
    rng.setstate(state["rng"])
    generator = torch.Generator().manual_seed(args.seed * 1_000_003 + state["step"])
    objectives = state.setdefault("objectives", args.objectives)
    eos_id = vocab["<|endoftext|>"]
    expand_id = vocab.get(EXPAND_TOKEN)
    if objectives.get("expand", 0) > 0 and expand_id is None:
        sys.exit(f"train.py: the expand objective needs {EXPAND_TOKEN} in {args.tokenizer / 'tokenizer.json'} (add_expand.py)")
    print(f"objectives {objectives}", flush=True)
    broad_dir, broad_share = state.setdefault("broad", args.broad) or (None, 0.0)

    train = load_split(args.data, "train")
    broad = load_split(Path(broad_dir), "train") if broad_dir else None
    if broad is not None:
        if set(broad) != set(train):
            sys.exit(f"train.py: --broad {broad_dir} has domains {sorted(broad)}, --data has {sorted(train)}")
        print(f"broad: {broad_share:.0%} of rows from {broad_dir}", flush=True)
    heldout = load_split(args.data, "heldout")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {n_params/1e6:.2f}M params, config {config.to_dict()}, preset {args.preset}", flush=True)

    def save():
        tmp = ckpt_path.with_suffix(".tmp")
        state["rng"] = rng.getstate()
        torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(), state=state,
                        config=config.to_dict(), preset=preset), tmp)
        os.replace(tmp, ckpt_path)

    if "horizon" in state:  # set by --minutes when the run began: the schedule stays the same on resume
        preset["total_steps"] = state["horizon"]
    log = open(args.out / "log.jsonl", "a")
    last_save = time.time()
    window_start, window_tokens, window_loss = time.time(), 0, []
    stop = min(preset["total_steps"], args.stop_after or preset["total_steps"])
    amp = args.precision == "bf16" or (args.precision == "auto" and bf16_is_fast(device))
    print(f"precision: {'bf16 autocast' if amp else 'fp32'}, {torch.get_num_threads()} thread(s)", flush=True)
    deadline = started + args.minutes * 60 - BUDGET_RESERVE_S if args.minutes else math.inf
    steps_run, timed_from = 0, None
    while state["step"] < stop:
        if time.time() > deadline:  # slower than the first steps promised: stop in time, schedule unfinished
            print(f"out of time at step {state['step']} of {stop}", flush=True)
            break
        if args.minutes and "horizon" not in state and steps_run == BUDGET_SKIP + BUDGET_TIMED:
            per_step = (time.time() - timed_from) / BUDGET_TIMED * BUDGET_MARGIN
            preset["total_steps"] = state["horizon"] = state["step"] + int((deadline - time.time()) / per_step)
            stop = min(preset["total_steps"], args.stop_after or preset["total_steps"])
            print(f"{per_step:.3f} s a step: horizon {preset['total_steps']} steps", flush=True)
        if steps_run == BUDGET_SKIP:
            timed_from = time.time()
        steps_run += 1
        step_start = time.time()
        length = rng.choices([l for l, _ in LENGTHS], [w for _, w in LENGTHS])[0]
        length = min(length, config.max_length)
        x = batch(train, rng, length, max(1, preset["tokens_per_step"] // length), broad, broad_share)
        for group in opt.param_groups:
            group["lr"] = lr_at(state["step"], preset)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss, acc = mixed_loss(model, x, config.mask_token_id, eos_id, generator, rng, objectives, expand_id)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["tokens"] += x.numel()
        state["seconds"] += time.time() - step_start
        window_tokens += x.numel()
        window_loss.append(loss.item())
        if state["step"] % 100 == 0 or state["step"] == stop:
            rate = window_tokens / (time.time() - window_start)
            entry = dict(step=state["step"], tokens=state["tokens"], loss=float(np.mean(window_loss)),
                         lr=lr_at(state["step"], preset), tok_per_s=round(rate), train_seconds=round(state["seconds"]))
            if state["step"] % 1000 == 0 or state["step"] == stop:
                entry["heldout_acc15"] = heldout_accuracy(model, heldout, config.mask_token_id)
            print(json.dumps(entry), flush=True)
            log.write(json.dumps(entry) + "\n")
            log.flush()
            window_start, window_tokens, window_loss = time.time(), 0, []
        if time.time() - last_save > args.checkpoint_minutes * 60:
            save()
            last_save = time.time()
    save()
    print("done", flush=True)


if __name__ == "__main__":
    main()
