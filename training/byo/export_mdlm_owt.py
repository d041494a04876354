#!/usr/bin/env python3
"""Turns a downloaded kuleshov-group/mdlm-owt checkpoint folder into a Diffusion Infill model folder.

  /usr/bin/python3 training/byo/export_mdlm_owt.py CHECKPOINT_DIR OUT_DIR [--quantize] [--external-data]
      [--reference-dir DIR]

CHECKPOINT_DIR holds the Hugging Face repo's config.json and model.safetensors. OUT_DIR receives
config.json, tokenizer.json (GPT-2 + [MASK] = 50257), tokenizer_config.json, onnx/model.onnx and,
with --quantize, onnx/model_quantized.onnx. --reference-dir writes PyTorch logits for a fixed
2 x 64-token input, for parity.mjs. Needs `npm install` in training/byo (GPT-2's vocabulary).
Works with torch 1.13 (TorchScript exporter); on torch >= 2.5 it passes dynamo=False to keep that exporter.
"""
import argparse
import json
import time
from pathlib import Path

import torch

from gpt2_tokenizer import build_gpt2_tokenizer, gpt2_tokenizer_config
from mdlm_dit import MdlmOwt, shape_from_tensors
from onnx_io import export_onnx, file_sizes, save_reference, write_quantized
from safetensors_io import read_safetensors

SOURCE = "kuleshov-group/mdlm-owt"


def load_checkpoint(checkpoint_dir):
    checkpoint_dir = Path(checkpoint_dir)
    config = json.loads((checkpoint_dir / "config.json").read_text())
    if config.get("time_conditioning", False):
        raise SystemExit("config.json has time_conditioning=true; this exporter fixes sigma = 0 and would be wrong")
    tensors = {k: v.float() for k, v in read_safetensors(checkpoint_dir / "model.safetensors").items()}
    shape = shape_from_tensors(tensors, config)
    model = MdlmOwt(shape)
    # The rotary frequencies are a deterministic buffer: recompute them in fp32 rather than trust a copy
    # that may be missing or rounded (a bf16 save shifts the logits by ~1e-4).
    tensors["backbone.rotary_emb.inv_freq"] = model.backbone.rotary_emb.inv_freq.clone()
    model.load_state_dict(tensors, strict=True)
    return model.eval(), config


def model_config(shape, source_config, mask_id):
    keep = {k: v for k, v in source_config.items() if k not in ("auto_map", "architectures", "torch_dtype")}
    return {**keep,
            "model_type": "mdlm",
            "vocab_size": shape.vocab_size,
            "mask_token_id": mask_id,
            "max_position_embeddings": shape.model_length,
            "time_conditioning": False,
            "hidden_dim": shape.hidden_dim, "cond_dim": shape.cond_dim, "n_blocks": shape.n_blocks, "n_heads": shape.n_heads,
            "diffusion_infill": {"source": SOURCE, "exporter": "training/byo/export_mdlm_owt.py",
                                 "logits": "raw backbone logits (the [MASK] logit is not suppressed)"}}


def fixed_input(vocab_size, batch=2, length=64, seed=1234):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab_size - 1, (batch, length), generator=g)
    ids[:, 5:20] = vocab_size - 1  # a run of [MASK] like a real infill request
    return ids


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--quantize", action="store_true", help="also write onnx/model_quantized.onnx (int8 weights)")
    ap.add_argument("--external-data", action="store_true", help="weights in onnx/model.onnx_data even under 2 GB")
    ap.add_argument("--reference-dir", help="write the PyTorch logits of a fixed 64-token input here")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    t0 = time.time()
    model, source_config = load_checkpoint(args.checkpoint_dir)
    shape = model.shape
    out = Path(args.out_dir)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    tokenizer, mask_id = build_gpt2_tokenizer()
    if mask_id != shape.vocab_size - 1:
        raise SystemExit(f"GPT-2 + [MASK] gives mask id {mask_id}, but the checkpoint's vocabulary is {shape.vocab_size}")
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps(gpt2_tokenizer_config("[MASK]", shape.model_length), indent=2))
    (out / "config.json").write_text(json.dumps(model_config(shape, source_config, mask_id), indent=2))
    t1 = time.time()
    print(f"loaded {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters in {t1 - t0:.1f}s", flush=True)

    if args.reference_dir:
        ids = fixed_input(shape.vocab_size)
        with torch.no_grad():
            save_reference(args.reference_dir, {"input_ids": ids}, model(ids))
    # Traced on another shape than the reference, so parity also proves the batch/sequence axes are dynamic.
    trace_ids = fixed_input(shape.vocab_size, batch=1, length=17, seed=7)
    external = export_onnx(model, {"input_ids": trace_ids}, out / "onnx" / "model.onnx", external=args.external_data or None)
    t2 = time.time()
    print(f"exported onnx/model.onnx ({'external data' if external else 'single file'}) in {t2 - t1:.1f}s", flush=True)
    if args.quantize:
        count = write_quantized(out / "onnx" / "model.onnx", out / "onnx" / "model_quantized.onnx")
        print(f"quantized {count} MatMuls to int8 in {time.time() - t2:.1f}s", flush=True)
    for name, size in file_sizes(out).items():
        print(f"  {name}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
