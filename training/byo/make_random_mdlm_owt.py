#!/usr/bin/env python3
"""A randomly initialised stand-in for the kuleshov-group/mdlm-owt download, to test the exporter.

  /usr/bin/python3 training/byo/make_random_mdlm_owt.py OUT_DIR [--small] [--bf16]

Writes OUT_DIR/config.json (shaped like the Hugging Face repo's) and OUT_DIR/model.safetensors with
the checkpoint's parameter names. Full size is the real architecture (12 blocks, hidden 768, 12 heads,
cond 128, vocab 50258, ~170M parameters, ~0.7 GB); --small keeps the vocabulary (the GPT-2 tokenizer
must still fit) but uses 2 blocks of hidden 64 so CI runs in seconds. Every weight is random and
non-zero (the released init zeroes adaLN and the output layer, which would hide wiring mistakes).
"""
import argparse
import json
from pathlib import Path

import torch

from mdlm_dit import DitShape, MdlmOwt
from safetensors_io import write_safetensors

FULL = DitShape()
SMALL = DitShape(hidden_dim=64, cond_dim=32, n_blocks=2, n_heads=4)


def hf_config(s: DitShape):
    return {
        "architectures": ["MDLM"],
        "auto_map": {"AutoConfig": "configuration_mdlm.MDLMConfig", "AutoModelForMaskedLM": "modeling_mdlm.MDLM"},
        "cond_dim": s.cond_dim, "dropout": 0.1, "hidden_dim": s.hidden_dim, "model_length": s.model_length,
        "model_type": "mdlm", "n_blocks": s.n_blocks, "n_heads": s.n_heads, "return_dict": False,
        "time_conditioning": False, "torch_dtype": "float32", "transformers_version": "4.38.2", "vocab_size": s.vocab_size,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--bf16", action="store_true", help="store weights as bf16 (exercises the reader's bf16 path)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    shape = SMALL if args.small else FULL
    model = MdlmOwt(shape)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "adaLN_modulation" in name or name.endswith("norm1.weight") or name.endswith("norm2.weight"):
                p.normal_(0.0 if "adaLN" in name else 1.0, 0.05)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    if args.bf16:
        state = {k: v.to(torch.bfloat16) for k, v in state.items()}
    write_safetensors(out / "model.safetensors", state, {"format": "pt"})
    (out / "config.json").write_text(json.dumps(hf_config(shape), indent=2))
    print(f"wrote {out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters, "
          f"{(out / 'model.safetensors').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
