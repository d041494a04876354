"""The reference ReMDM sampling loop in PyTorch, for timing side by side with the extension.

Written from the published algorithm (ReMDM, Wang et al. 2025, on MDLM, Sahoo et al. 2024) the
way the reference implementation runs it: every step computes p_x0 over the whole sequence and
vocabulary (SUBS: the mask logit is -inf), nucleus by a full sort, the ReMDM posterior q_sigma
as a [batch, length, vocab] tensor, a Gumbel draw over all of it, and p_x0 is reused while z_t
does not change (MDLM's caching). The model runs under bf16 autocast, as the reference does, where
the CPU has bf16 arithmetic ("autocast": "auto"; elsewhere bf16 is emulated and fp32 is the fair
comparison).

Usage: /usr/bin/python3 bench/torch_remdm.py REQUEST.json   (prints one JSON object)
REQUEST: {"checkpoint" (a training checkpoint or a model folder), "ids": [...], "editable": [...], "steps", "strategies": [...],
          "eta", "tOn", "tOff", "alphaOn", "topP", "temperature", "threads", "seed", "autocast": "bf16"|"none"|"auto"}
A checkpoint is copied before it is read (the trainer may be replacing it); a model folder's
weights are read from its fp32 graph, whose initializers keep the parameter names.
"""
import json
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))
from model import DiffusionLM, ModelConfig  # noqa: E402
from onnx_weights import model_from_folder  # noqa: E402
from train import bf16_is_fast  # noqa: E402

EPS = 1e-5


def load(path):
    """A training checkpoint (copied first: training may be writing it) or a model folder (its fp32 graph's weights)."""
    path = Path(path)
    if path.is_dir():
        return model_from_folder(path)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "checkpoint.pt"
        shutil.copyfile(path, copy)
        ckpt = torch.load(copy, map_location="cpu")
    model = DiffusionLM(ModelConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval()


def loop_alpha(t, r):
    if t > r["tOn"]:
        return r["alphaOn"] * (1 - t) / (1 - r["tOn"])
    if t >= r["tOff"]:
        return r["alphaOn"]
    return 1 - (1 - r["alphaOn"]) * t / r["tOff"]


def coefficients(strategy, r, t, s):
    """alpha_t, alpha_s, sigma_max and the strategy's scalar sigma (remdm-conf: the row's total)."""
    loop = strategy == "remdm-loop"
    at, as_ = (loop_alpha(t, r), loop_alpha(s, r)) if loop else (1 - t, 1 - s)
    smax = min(1.0, (1 - as_) / at) if at > 0 else 1.0
    sigma = {"mdlm": 0.0, "remdm-cap": min(r["eta"], smax), "remdm-conf": smax,
             "remdm-loop": r["eta"] if r["tOff"] < t <= r["tOn"] else 0.0}[strategy]
    return at, as_, smax, min(max(sigma, 0.0), smax)


def nucleus(p, top_p):
    if top_p >= 1:
        return p
    sorted_p, order = p.sort(dim=-1, descending=True)
    keep = sorted_p.cumsum(-1) <= top_p
    keep[..., 0] = True
    p = torch.zeros_like(p).scatter_(-1, order, sorted_p * keep)
    return p / p.sum(-1, keepdim=True)


def p_x0(model, x, mask_id, r, autocast):
    """p_x0 and the seconds the model's forward took."""
    f0 = time.perf_counter()
    with torch.no_grad(), autocast():
        logits = model(x)
    logits = logits.float()
    seconds = time.perf_counter() - f0
    logits[..., mask_id] = float("-inf")
    return nucleus((logits / r["temperature"]).softmax(-1), r["topP"]), seconds


def sample_categorical(q):
    return (q / -(torch.rand_like(q) + 1e-10).log()).argmax(-1)


def run(model, strategy, r, autocast):
    mask_id = model.config.mask_token_id
    x = torch.tensor(r["ids"], dtype=torch.long)[None]
    editable = torch.tensor(r["editable"], dtype=torch.bool)[None]
    conf = torch.zeros(x.shape, dtype=torch.float32)
    steps = r["steps"]
    grid = [1 - i * (1 - EPS) / steps for i in range(steps)] + [EPS]
    forward_s, calls, cache = 0.0, 0, None
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(steps):
            t, s = grid[i], grid[i + 1]
            if cache is None:
                cache, seconds = p_x0(model, x, mask_id, r, autocast)
                forward_s += seconds
                calls += 1
            p = cache
            at, as_, smax, sigma = coefficients(strategy, r, t, s)
            masked = x == mask_id
            if strategy == "remdm-conf":
                # sigma per decoded position: sigma_max x softmax(-confidence) over the decoded ones.
                score = torch.where(masked | ~editable, torch.full_like(conf, float("-inf")), -conf)
                sig = (smax * score.softmax(-1)).nan_to_num(0.0).clamp(max=smax)[..., None]
            else:
                sig = torch.full((*x.shape, 1), sigma)
            q_masked = p * ((as_ - (1 - sig) * at) / (1 - at))
            q_masked[..., mask_id] = ((1 - as_ - sig * at) / (1 - at))[..., 0]
            q_kept = torch.nn.functional.one_hot(x, p.shape[-1]).float() * (1 - sig)
            q_kept[..., mask_id] = sig[..., 0]
            q = torch.where(masked[..., None], q_masked, q_kept)
            x_new = torch.where(editable, sample_categorical(q), x)
            decoded = masked & (x_new != mask_id)
            conf = torch.where(decoded, p.gather(-1, x_new[..., None])[..., 0], torch.where(x_new == mask_id, 0.0, conf))
            if not torch.equal(x_new, x):
                cache = None
            x = x_new
        # Noise removal: argmax of p_x0 wherever a mask survived.
        if (x == mask_id).any():
            if cache is None:
                cache, seconds = p_x0(model, x, mask_id, r, autocast)
                forward_s += seconds
                calls += 1
            p = cache
            x = torch.where(x == mask_id, p.argmax(-1), x)
    total = time.perf_counter() - start
    n = steps + 1
    return dict(strategy=strategy, steps=n, length=x.shape[1], forwardCalls=calls,
                stepMs=total * 1000 / n, forwardMs=forward_s * 1000 / n, samplerMs=(total - forward_s) * 1000 / n,
                stepOverForward=total / forward_s if forward_s > 0 else 0.0)


def main():
    r = json.loads(Path(sys.argv[1]).read_text())
    torch.set_num_threads(int(r["threads"]))
    torch.manual_seed(int(r.get("seed", 0)))
    t0 = time.perf_counter()
    model = load(r["checkpoint"])
    load_ms = (time.perf_counter() - t0) * 1000
    # "auto": bf16 autocast as the reference runs, where the CPU has bf16 arithmetic (else emulated, ~20x slower).
    bf16 = r.get("autocast", "bf16") == "bf16" or (r.get("autocast") == "auto" and bf16_is_fast(torch.device("cpu")))
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else nullcontext
    with torch.no_grad(), autocast():  # warm-up: first calls pick kernels
        model(torch.tensor(r["ids"], dtype=torch.long)[None])
    results = [run(model, s, r, autocast) for s in r["strategies"]]
    print(json.dumps(dict(torch=torch.__version__, threads=torch.get_num_threads(), autocast="bf16" if bf16 else "none",
                          vocab=model.config.vocab_size, loadMs=load_ms, results=results)))


if __name__ == "__main__":
    main()
