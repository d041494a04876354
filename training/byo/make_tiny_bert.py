#!/usr/bin/env python3
"""A tiny randomly initialised BERT masked LM folder in the transformers.js layout, for tests.

  /usr/bin/python3 training/byo/make_tiny_bert.py OUT_DIR [--reference-dir DIR] [--seed N]

Writes config.json (model_type bert), tokenizer.json (lower-casing WordPiece over a small vocabulary,
BERT post-processor adding [CLS] ... [SEP]), tokenizer_config.json (mask_token, model_max_length) and
onnx/model.onnx with int64 inputs input_ids, attention_mask, token_type_ids and output logits.
The weights are random: the folder exercises the BERT code path (three inputs, [CLS]/[SEP], [MASK]
from tokenizer_config) without meaning anything. --reference-dir writes PyTorch logits for parity.mjs.
"""
import argparse
import json
import string
from pathlib import Path

import torch

from onnx_io import export_onnx, file_sizes, save_reference
from tiny_bert import BertForMaskedLM, BertShape

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ("the a an of to in is and for return def class import from self if else while not none true false "
         "print value list dict name data function const let var new this").split()
SUFFIXES = ["##s", "##ed", "##ing", "##er", "##ly", "##tion"]


def vocabulary():
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    tokens = SPECIALS + chars + ["##" + c for c in string.ascii_lowercase + string.digits] + WORDS + SUFFIXES
    return {t: i for i, t in enumerate(dict.fromkeys(tokens))}


def special(token, vocab):
    return {"id": vocab[token], "content": token, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def bert_tokenizer_json(vocab):
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    piece = lambda kind, ident, type_id: {kind: {"id": ident, "type_id": type_id}}  # noqa: E731
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(t, vocab) for t in SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0)],
            "pair": [piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0),
                     piece("Sequence", "B", 1), piece("SpecialToken", "[SEP]", 1)],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def tokenizer_config(max_length):
    return {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": max_length,
            "mask_token": "[MASK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]"}


def model_config(s: BertShape):
    return {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": s.vocab_size,
            "hidden_size": s.hidden_size, "num_hidden_layers": s.num_hidden_layers,
            "num_attention_heads": s.num_attention_heads, "intermediate_size": s.intermediate_size,
            "hidden_act": "gelu", "max_position_embeddings": s.max_position_embeddings,
            "type_vocab_size": s.type_vocab_size, "layer_norm_eps": s.layer_norm_eps, "pad_token_id": 0,
            "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02}


def fixed_inputs(vocab_size, batch, length, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(len(SPECIALS), vocab_size, (batch, length), generator=g)
    ids[:, 0], ids[:, 3:6] = 2, 4  # [CLS], a few [MASK]
    mask = torch.ones(batch, length, dtype=torch.long)
    types = torch.zeros(batch, length, dtype=torch.long)
    if batch > 1:
        mask[1, length // 2:], ids[1, length // 2:] = 0, 0  # the second row is padded
        types[0, length // 2:] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--reference-dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pad-vocab-to", type=int, default=1,
                    help="round the output layer up to a multiple of this, as ModernBERT and LLaDA do; the padding "
                         "rows get the largest logits, so a sampler that draws them shows it")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    vocab = vocabulary()
    padded = -(-len(vocab) // args.pad_vocab_to) * args.pad_vocab_to
    shape = BertShape(vocab_size=padded)
    model = BertForMaskedLM(shape).eval()
    with torch.no_grad():
        model.cls.predictions.bias.normal_(0.0, 0.1)  # non-zero, so a dropped bias would show in parity
        model.cls.predictions.bias[len(vocab):] = 50.0
    out = Path(args.out_dir)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(model_config(shape), indent=2))
    (out / "tokenizer.json").write_text(json.dumps(bert_tokenizer_json(vocab), indent=2))
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(shape.max_position_embeddings), indent=2))
    if args.reference_dir:
        ref = fixed_inputs(len(vocab), batch=2, length=64, seed=1234)
        with torch.no_grad():
            save_reference(args.reference_dir, ref, model(**ref))
    export_onnx(model, fixed_inputs(len(vocab), batch=1, length=9, seed=7), out / "onnx" / "model.onnx")
    for name, size in file_sizes(out).items():
        print(f"  {name}: {size / 1e3:.1f} kB")


if __name__ == "__main__":
    main()
