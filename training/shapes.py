"""Training throughput of a few model shapes on this machine, interleaved so that other load on the
cores falls on every shape alike. Usage: python3 shapes.py [--steps 4] [--rounds 3]
Prints tokens/s per shape (fwd + bwd + AdamW, bf16 autocast where fast, the objective mix)."""
import argparse
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import DiffusionLM, ModelConfig  # noqa: E402
from train import bf16_is_fast, mixed_loss  # noqa: E402

SHAPES = {"d256x4": (256, 4, 4), "d256x6": (256, 6, 4), "d256x10": (256, 10, 4), "d384x6": (384, 6, 6), "d512x8": (512, 8, 8)}

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=4)
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)
amp = bf16_is_fast(torch.device("cpu"))
models = {}
for name, (d, layers, heads) in SHAPES.items():
    model = DiffusionLM(ModelConfig(hidden_size=d, num_layers=layers, num_heads=heads))
    models[name] = (model, torch.optim.AdamW(model.parameters(), lr=1e-4))
seconds = {name: 0.0 for name in SHAPES}
rng, gen = random.Random(0), torch.Generator().manual_seed(0)
x = torch.randint(1, 8000, (16, 256))
for _ in range(args.rounds):
    for name, (model, opt) in models.items():
        start = time.time()
        for _ in range(args.steps):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
                loss, _ = mixed_loss(model, x, 8191, 0, gen, rng, {"mdlm": 0.4, "span": 0.3, "eos": 0.3})
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds[name] += time.time() - start
for name, (model, _) in models.items():
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"{name}: {params:.2f}M params, {x.numel() * args.steps * args.rounds / seconds[name]:,.0f} tokens/s")
