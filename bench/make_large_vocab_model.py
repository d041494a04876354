"""Builds a GPT-2-sized vocabulary (50,257, as MDLM-OWT uses) model of the embedded model's depth
(4 layers, d256) with random weights, so the sampler's cost at real vocabulary sizes is measurable.

  bench/out/mdlm-large-vocab/{config.json, tokenizer.json, tokenizer_config.json,
                               onnx/model.onnx, onnx/model_quantized.onnx, checkpoint.pt}

The tokenizer is the embedded one with its vocabulary padded by never-produced tokens up to 50,257
(the mask stays id 8191), so the extension's normal load path accepts the model. The embedding is
drawn with std 0.15 (not the training init's 0.02) so logits have a trained model's spread rather
than near-ties, which would make the nucleus keep almost the whole vocabulary.
Usage: /usr/bin/python3 bench/make_large_vocab_model.py [OUT_DIR]
"""
import json
import shutil
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
from export import export_onnx, hf_config, write_quantized  # noqa: E402
from model import DiffusionLM, ModelConfig  # noqa: E402

VOCAB = 50257
EMBED_STD = 0.15


def padded_tokenizer(src: Path, dst: Path):
    tok = json.loads((src / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    for i in range(len(vocab), VOCAB):
        vocab[f"<|unused_{i}|>"] = i
    (dst / "tokenizer.json").write_text(json.dumps(tok))
    shutil.copyfile(src / "tokenizer_config.json", dst / "tokenizer_config.json")
    return vocab["[MASK]"]


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/out/mdlm-large-vocab"
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # shares the machine with the training job
    mask_id = padded_tokenizer(ROOT / "models/mdlm-code-small", out)
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=VOCAB, mask_token_id=mask_id)
    model = DiffusionLM(config).eval()
    with torch.no_grad():
        model.embed.weight.normal_(0, EMBED_STD)
    (out / "config.json").write_text(json.dumps(hf_config(model, {}, True), indent=2) + "\n")
    torch.save(dict(config=config.to_dict(), model=model.state_dict()), out / "checkpoint.pt")
    export_onnx(model, out / "onnx/model.onnx")
    write_quantized(out / "onnx/model.onnx", out / "onnx/model_quantized.onnx")
    print(f"{out}: vocab {VOCAB}, {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params")


if __name__ == "__main__":
    main()
