"""Export a training checkpoint to a model folder the extension loads (Hugging Face / transformers.js layout).

  OUT_DIR/config.json, tokenizer.json, tokenizer_config.json,
  OUT_DIR/onnx/model.onnx (fp32), OUT_DIR/onnx/model_quantized.onnx (int8 weights).

Usage: /usr/bin/python3 export.py CHECKPOINT OUT_DIR [--tokenizer DIR]
       /usr/bin/python3 export.py --random-tiny OUT_DIR     (a seconds-fast random model for CI smoke tests)
Afterwards it runs parity.mjs (onnxruntime-node) against PyTorch logits it dumps for fixed inputs,
and fails if the fp32 model differs by more than 1e-4 or the int8 argmax agrees on < 90% of
positions; --no-parity skips that.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from model import EXPAND_TOKEN, DiffusionLM, ModelConfig, tokenizer_vocab, vocab_size  # noqa: E402
from quantize import quantize_model  # noqa: E402

OPSET = 17
# ReMDM's loop strategy with the settings the paper reports for nucleus-sampled text (eta 0.02,
# loop between t = 0.55 and 0.05, top-p 0.9); the sampler engineers may tune this.
RECOMMENDED_SAMPLER = dict(strategy="remdm-loop", steps=64, schedule="loglinear", eta=0.02,
                           tOn=0.55, tOff=0.05, topP=0.9, temperature=1.0)
# What the context's tokens add to their logits at run time (src/core/contextBias.ts): the best
# round number on the tuning spans (bench/RESULTS.md, "Reusing the context's tokens").
CONTEXT_BIAS = 3.0
# int8 must pick the same argmax token as PyTorch at this fraction of the parity positions.
MIN_INT8_AGREEMENT = 0.9
TINY = dict(hidden_size=32, num_layers=1, num_heads=2)


def load_checkpoint(path: Path):
    """Copy first: the trainer replaces the file while we would be reading it."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "checkpoint.pt"
        shutil.copyfile(path, copy)
        ckpt = torch.load(copy, map_location="cpu")
    model = DiffusionLM(ModelConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model, ckpt.get("state", {})


def random_tiny(tokenizer_dir: Path):
    vocab = tokenizer_vocab(json.loads((tokenizer_dir / "tokenizer.json").read_text()))
    torch.manual_seed(0)
    model = DiffusionLM(ModelConfig(vocab_size=vocab_size(vocab), mask_token_id=vocab["[MASK]"], **TINY))
    # Larger weights than the training init so logits are not all near-ties (a meaningful int8 check).
    with torch.no_grad():
        model.embed.weight.normal_(0, 1.0)
    return model, dict(step=0, tokens=0, seconds=0.0)


def hf_config(model: DiffusionLM, state, random: bool, expand_id=None):
    c = model.config
    # A model trained to grow its holes (train.py's expand objective) deletes with the end token, as DreamOn does.
    resize = {"expand_token_id": expand_id, "delete_token_id": 0} if expand_id is not None else {}
    return {
        "model_type": "mdlm",
        "architectures": ["DiffusionLM"],
        "vocab_size": c.vocab_size,
        "mask_token_id": c.mask_token_id,
        "eos_token_id": 0,
        "pad_token_id": 0,
        **resize,
        "max_position_embeddings": c.max_length,
        "hidden_size": c.hidden_size,
        "num_hidden_layers": c.num_layers,
        "num_attention_heads": c.num_heads,
        "intermediate_size": c.mlp_ratio * c.hidden_size,
        "conv_kernel": c.conv_kernel,
        "hidden_act": "gelu",
        "tie_word_embeddings": True,
        "time_conditioning": False,
        "noise_schedule": "loglinear",
        "torch_dtype": "float32",
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "diffusion_infill": {
            "recommended_sampler": RECOMMENDED_SAMPLER,
            "context_bias": CONTEXT_BIAS,
            "trained_tokens": int(state.get("tokens", 0)),
            "trained_steps": int(state.get("step", 0)),
            "train_seconds": round(float(state.get("seconds", 0.0))),
            "random_weights": random,
        },
    }


def export_onnx(model: DiffusionLM, path: Path):
    # The tracer flags two Python values taken from shapes (the q/k/v split of 3 and the head
    # width); both are fixed by the config, so the warnings are noise.
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    example = torch.zeros(1, 8, dtype=torch.long)
    # fp32, eval mode, no autocast; no constant folding (it would duplicate the tied embedding).
    with torch.no_grad(), torch.autocast("cpu", enabled=False):
        torch.onnx.export(
            model, (example,), str(path), opset_version=OPSET, do_constant_folding=False,
            input_names=["input_ids"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}})
    onnx.checker.check_model(str(path))


def write_quantized(fp32_path: Path, out_path: Path):
    m = onnx.load(str(fp32_path))
    count = quantize_model(m)
    onnx.save(m, str(out_path))
    onnx.checker.check_model(str(out_path))
    return count


def parity_cases(model: DiffusionLM, heldout: Path):
    """Fixed inputs (two shapes, to exercise both dynamic axes) with ~30% masks, and their PyTorch logits.

    Real held-out text when the data is here (argmax agreement on random ids says little), else random ids.
    8 x 64 + 17 positions: at 145 (2 x 64 + 17) one position moved the int8 gate by 0.7 points.
    """
    c = model.config
    g = torch.Generator().manual_seed(7)
    files = sorted(heldout.glob("*.u16")) if heldout.is_dir() else []
    tokens = np.concatenate([np.fromfile(f, dtype=np.uint16)[:4096] for f in files]) if files else None
    cases, floor = [], 0.0
    for b, n in ((8, 64), (1, 17)):
        if tokens is not None and len(tokens) > b * n:
            starts = torch.randint(0, len(tokens) - n, (b,), generator=g).tolist()
            ids = torch.from_numpy(np.stack([tokens[s:s + n] for s in starts]).astype(np.int64))
        else:
            ids = torch.randint(0, c.vocab_size - 1, (b, n), generator=g)
        ids = torch.where(torch.rand(b, n, generator=g) < 0.3, torch.full_like(ids, c.mask_token_id), ids)
        with torch.no_grad():
            logits = model(ids).float()
            # fp32's own rounding at this model's activation scale, for reading a parity failure.
            floor = max(floor, (model.double()(ids) - logits.double()).abs().max().item())
            model.float()
        cases.append(dict(shape=[b, n], input_ids=ids.flatten().tolist(),
                          logits_f32_base64=base64.b64encode(logits.numpy().astype("<f4").tobytes()).decode()))
    return dict(vocab_size=c.vocab_size, mask_token_id=c.mask_token_id, torch_fp32_vs_fp64=floor, cases=cases)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path, help="CHECKPOINT OUT_DIR, or OUT_DIR with --random-tiny")
    ap.add_argument("--tokenizer", type=Path, help="default: runs/tokenizer, else models/mdlm-code-small")
    ap.add_argument("--random-tiny", action="store_true", help="random d32 one-layer model, no checkpoint")
    ap.add_argument("--parity-file", type=Path, help="keep the PyTorch logits for parity.mjs here (default: a temp file, deleted)")
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-node parity check")
    ap.add_argument("--no-quantized", action="store_true", help="skip onnx/model_quantized.onnx")
    args = ap.parse_args()
    if len(args.paths) != (1 if args.random_tiny else 2):
        ap.error("expected CHECKPOINT OUT_DIR (or just OUT_DIR with --random-tiny)")
    out = args.paths[-1]
    tok = args.tokenizer or next((d for d in (HERE / "runs/tokenizer", HERE.parent / "models/mdlm-code-small")
                                  if (d / "tokenizer.json").exists()), None)
    if tok is None or not (tok / "tokenizer.json").exists():
        ap.error("no tokenizer.json found; pass --tokenizer DIR")
    torch.set_num_threads(1)  # shares the machine with the training job

    model, state = random_tiny(tok) if args.random_tiny else load_checkpoint(args.paths[0])
    model.eval().float()
    # Build in a staging folder, then move each file into place: the extension or a test may be
    # reading the current files while we re-export.
    stage = out / ".export-staging"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "onnx").mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(tok / name, stage / name)
    config = hf_config(model, state, args.random_tiny, tokenizer_vocab(json.loads((tok / "tokenizer.json").read_text())).get(EXPAND_TOKEN))
    (stage / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    export_onnx(model, stage / "onnx/model.onnx")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{out}/onnx/model.onnx: {n_params/1e6:.2f}M params, {(stage / 'onnx/model.onnx').stat().st_size/1e6:.1f} MB, "
          f"step {state.get('step')}, {state.get('tokens', 0):,} tokens")
    if not args.no_quantized:
        count = write_quantized(stage / "onnx/model.onnx", stage / "onnx/model_quantized.onnx")
        print(f"{out}/onnx/model_quantized.onnx: {count} MatMuls int8, "
              f"{(stage / 'onnx/model_quantized.onnx').stat().st_size/1e6:.1f} MB")
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    if args.no_quantized:
        (out / "onnx/model_quantized.onnx").unlink(missing_ok=True)
    for f in sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file()):
        os.replace(stage / f, out / f)
    shutil.rmtree(stage)

    parity = args.parity_file or Path(tempfile.gettempdir()) / f"mdlm-parity-{os.getpid()}.json"
    if args.no_parity and args.parity_file is None:
        return
    parity.write_text(json.dumps(parity_cases(model, HERE / "data/heldout")))
    if args.no_parity:
        return
    try:
        result = subprocess.run(["node", str(HERE / "parity.mjs"), str(out), str(parity),
                                 "--min-int8-agreement", str(MIN_INT8_AGREEMENT)])
    finally:
        if args.parity_file is None:
            parity.unlink(missing_ok=True)
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
