#!/usr/bin/env python3
"""A tiny randomly initialised Hugging Face snapshot of a real diffusion LLM family, in the real
format, and its reference logits, for the TypeScript converter's parity tests.

  /usr/bin/python3 training/byo/make_tiny_snapshot.py FAMILY OUT_DIR [--reference FILE] [--seed N] [--shape tiny|0.5b|7b]

FAMILY: dream (Dream / Dream-Coder / DiffuCoder: model_type "Dream"), open-dcoder (Qwen2 config,
tied embeddings, mask token from tokenizer_config.json) or llada (LLaDA's own block names).
Writes bf16 weights in two shards (one per layer at a real shape) with model.safetensors.index.json, the family's config keys,
a byte-level BPE tokenizer.json carrying the family's special tokens, tokenizer_config.json and
generation_config.json. --reference writes JSON {ids, shape, logits, causal}: logits of a plain
PyTorch forward written from the original modeling code (modeling_dream.py / transformers' Qwen2 /
modeling_llada.py), in float32 from the bf16 weights, bidirectional (as the models run) and, to
prove a test would catch a causal export, with a causal mask.
"""
import argparse
import json
import math
from pathlib import Path

import torch

from safetensors_io import write_safetensors

HIDDEN, HEADS, KV_HEADS, LAYERS, INTERMEDIATE, VOCAB = 64, 4, 2, 2, 96, 320
# --shape: the tiny test shape, or a real model's (Qwen2.5-0.5B's, which Dream-style models share):
# random weights at a real size, for measuring speed (bench/gpu.ts), not parity.
SHAPES = {"tiny": (64, 4, 2, 2, 96, 320), "0.5b": (896, 14, 2, 24, 4864, 151936), "7b": (3584, 28, 4, 28, 18944, 152064)}
SPECIALS = {
    "dream": ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|beginoftext|>", "<|mask|>"],
    "open-dcoder": ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|mask|>"],
    "llada": ["<|startoftext|>", "<|endoftext|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|mdm_mask|>"],
}
CHAT_TEMPLATE = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
                 "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (byte-level BPE alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def tokenizer_json(specials):
    alphabet = bytes_to_unicode()
    vocab = {alphabet[b]: i for i, b in enumerate(sorted(alphabet))}
    merges = [("d", "e"), ("de", "f"), ("Ġ", "r"), ("Ġr", "e"), ("t", "u"), ("tu", "r"), ("Ġre", "tur"), ("n", "Ġ")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    added = []
    for t in specials:
        vocab[t] = len(vocab)
        added.append({"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True})
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }, vocab


def family_config(family, vocab):
    if family == "llada":
        return {
            "architectures": ["LLaDAModelLM"], "model_type": "llada", "activation_type": "silu", "block_type": "llama",
            "layer_norm_type": "rms", "d_model": HIDDEN, "n_heads": HEADS, "n_kv_heads": KV_HEADS, "n_layers": LAYERS,
            "mlp_hidden_size": INTERMEDIATE, "mlp_ratio": 4, "rope": True, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
            "vocab_size": VOCAB, "embedding_size": VOCAB, "weight_tying": False, "include_bias": False,
            "include_qkv_bias": False, "scale_logits": False, "input_emb_norm": False, "attention_layer_norm": False,
            "alibi": False, "max_sequence_length": 4096, "eos_token_id": vocab["<|endoftext|>"],
            "pad_token_id": vocab["<|endoftext|>"], "bos_token_id": vocab["<|startoftext|>"], "mask_token_id": vocab["<|mdm_mask|>"],
            "torch_dtype": "bfloat16",
        }
    common = {
        "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "hidden_act": "silu", "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "rope_scaling": None, "vocab_size": VOCAB, "use_sliding_window": False,
        "sliding_window": None, "attention_dropout": 0.0, "torch_dtype": "bfloat16", "eos_token_id": vocab["<|endoftext|>"],
    }
    if family == "dream":
        return {"architectures": ["DreamModel"], "model_type": "Dream", "max_position_embeddings": 131072,
                "tie_word_embeddings": False, "mask_token_id": vocab["<|mask|>"], "pad_token_id": vocab["<|endoftext|>"],
                "bos_token_id": vocab["<|beginoftext|>"], **common}
    return {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "max_position_embeddings": 32768,
            "tie_word_embeddings": True, "bos_token_id": vocab["<|endoftext|>"], **common}


def weight_groups(family, seed):
    """The weights in groups (the embedding, each layer, the rest), drawn in one fixed order."""
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *shape, std=0.15: (torch.randn(*shape, generator=g) * std).to(torch.bfloat16)  # noqa: E731
    norm = lambda: (1 + 0.2 * torch.randn(HIDDEN, generator=g)).to(torch.bfloat16)  # noqa: E731
    kv = KV_HEADS * (HIDDEN // HEADS)
    if family == "llada":
        yield {"model.transformer.wte.weight": rnd(VOCAB, HIDDEN, std=1.0)}
        for i in range(LAYERS):
            p = f"model.transformer.blocks.{i}."
            w = {}
            w[p + "attn_norm.weight"], w[p + "ff_norm.weight"] = norm(), norm()
            w[p + "q_proj.weight"], w[p + "k_proj.weight"], w[p + "v_proj.weight"] = rnd(HIDDEN, HIDDEN), rnd(kv, HIDDEN), rnd(kv, HIDDEN)
            w[p + "attn_out.weight"] = rnd(HIDDEN, HIDDEN)
            w[p + "ff_proj.weight"], w[p + "up_proj.weight"] = rnd(INTERMEDIATE, HIDDEN), rnd(INTERMEDIATE, HIDDEN)
            w[p + "ff_out.weight"] = rnd(HIDDEN, INTERMEDIATE)
            yield w
        yield {"model.transformer.ln_f.weight": norm(), "model.transformer.ff_out.weight": rnd(VOCAB, HIDDEN)}
        return
    yield {"model.embed_tokens.weight": rnd(VOCAB, HIDDEN, std=1.0)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        w = {}
        w[p + "input_layernorm.weight"], w[p + "post_attention_layernorm.weight"] = norm(), norm()
        for name, rows in (("q_proj", HIDDEN), ("k_proj", kv), ("v_proj", kv)):
            w[p + f"self_attn.{name}.weight"] = rnd(rows, HIDDEN)
            w[p + f"self_attn.{name}.bias"] = rnd(rows, std=0.5)
        w[p + "self_attn.o_proj.weight"] = rnd(HIDDEN, HIDDEN)
        w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"] = rnd(INTERMEDIATE, HIDDEN), rnd(INTERMEDIATE, HIDDEN)
        w[p + "mlp.down_proj.weight"] = rnd(HIDDEN, INTERMEDIATE)
        yield w
    last = {"model.norm.weight": norm()}
    if family == "dream":
        last["lm_head.weight"] = rnd(VOCAB, HIDDEN)
    yield last


def random_weights(family, seed):
    w = {}
    for group in weight_groups(family, seed):
        w.update(group)
    return w


def write_groups(out, family, seed):
    """One shard per group, written as it is drawn: a 7B snapshot never sits in memory whole."""
    count = LAYERS + 2
    weight_map, total = {}, 0
    for k, group in enumerate(weight_groups(family, seed), 1):
        file = f"model-{k:05d}-of-{count:05d}.safetensors"
        write_safetensors(out / file, group, metadata={"format": "pt"})
        for n, t in group.items():
            weight_map[n] = file
            total += t.numel() * 2
        del group
    (out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))


def write_sharded(out, weights):
    names = sorted(weights)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map, total = {}, 0
    for k, part in enumerate(shards, 1):
        file = f"model-{k:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(out / file, {n: weights[n] for n in part}, metadata={"format": "pt"})
        for n in part:
            weight_map[n] = file
            total += weights[n].numel() * 2
    (out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))


# ---- the reference forward (float32), after modeling_dream.py / Qwen2 / modeling_llada.py ----

def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(family, config, w, ids, causal):
    f = {k: v.float() for k, v in w.items()}
    llada = family == "llada"
    hidden = config["d_model"] if llada else config["hidden_size"]
    heads = config["n_heads"] if llada else config["num_attention_heads"]
    kv_heads = config["n_kv_heads"] if llada else config["num_key_value_heads"]
    layers = config["n_layers"] if llada else config["num_hidden_layers"]
    eps, theta, hd = config["rms_norm_eps"], config["rope_theta"], hidden // heads
    names = (lambda i: {k: f"model.transformer.blocks.{i}.{v}" for k, v in dict(
        n1="attn_norm.weight", q="q_proj.weight", k="k_proj.weight", v="v_proj.weight", o="attn_out.weight",
        n2="ff_norm.weight", gate="ff_proj.weight", up="up_proj.weight", down="ff_out.weight").items()}) if llada else (
        lambda i: {k: f"model.layers.{i}.{v}" for k, v in dict(
            n1="input_layernorm.weight", q="self_attn.q_proj.weight", k="self_attn.k_proj.weight",
            v="self_attn.v_proj.weight", o="self_attn.o_proj.weight", n2="post_attention_layernorm.weight",
            gate="mlp.gate_proj.weight", up="mlp.up_proj.weight", down="mlp.down_proj.weight").items()})
    embed = f["model.transformer.wte.weight" if llada else "model.embed_tokens.weight"]
    x = embed[ids]
    B, S = ids.shape
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.outer(torch.arange(S).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    bias = torch.zeros(S, S)
    if causal:
        bias = torch.full((S, S), float("-inf")).triu(1)
    for i in range(layers):
        n = names(i)
        h = rms_norm(x, f[n["n1"]], eps)
        lin = lambda t, name: t @ f[name].T + (f[name[:-len("weight")] + "bias"] if name[:-len("weight")] + "bias" in f else 0)  # noqa: E731
        q = lin(h, n["q"]).view(B, S, heads, hd).transpose(1, 2)
        k = lin(h, n["k"]).view(B, S, kv_heads, hd).transpose(1, 2)
        v = lin(h, n["v"]).view(B, S, kv_heads, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd) + bias, dim=-1) @ v
        x = x + att.transpose(1, 2).reshape(B, S, hidden) @ f[n["o"]].T
        h = rms_norm(x, f[n["n2"]], eps)
        x = x + (torch.nn.functional.silu(h @ f[n["gate"]].T) * (h @ f[n["up"]].T)) @ f[n["down"]].T
    x = rms_norm(x, f["model.transformer.ln_f.weight" if llada else "model.norm.weight"], eps)
    head = f.get("model.transformer.ff_out.weight" if llada else "lm_head.weight", embed)
    return x @ head.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", choices=sorted(SPECIALS))
    ap.add_argument("out")
    ap.add_argument("--reference")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    ap.add_argument("--vocab", type=int, help="output rows (default: the shape's); rows past the tokenizer are padding, as in real checkpoints")
    ap.add_argument("--expand", action="store_true", help="add DreamOn's <|expand|> token right after the mask (DreamOn: 151666, 151667)")
    args = ap.parse_args()
    global HIDDEN, HEADS, KV_HEADS, LAYERS, INTERMEDIATE, VOCAB
    if args.reference and args.shape != "tiny":
        ap.error("--reference is for the tiny shape (a real shape's weights are written layer by layer)")
    HIDDEN, HEADS, KV_HEADS, LAYERS, INTERMEDIATE, VOCAB = SHAPES[args.shape]
    VOCAB = args.vocab or VOCAB
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok, vocab = tokenizer_json(SPECIALS[args.family] + (["<|expand|>"] if args.expand else []))
    # A real-sized vocabulary (not the tiny shape, whose padding rows the tests rely on): filler tokens,
    # never produced by the merges, up to VOCAB, as the runtime wants tokenizer and logits to agree.
    for i in range(len(vocab), VOCAB if args.shape != "tiny" else 0):
        vocab[f"<|filler_{i}|>"] = i
    config = family_config(args.family, vocab)
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    specials = SPECIALS[args.family]
    tok_config = {"model_max_length": 131072 if args.family == "dream" else 32768, "tokenizer_class": "PreTrainedTokenizerFast",
                  "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "mask_token": specials[-1],
                  "chat_template": CHAT_TEMPLATE}
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2))
    (out / "generation_config.json").write_text(json.dumps({"eos_token_id": config["eos_token_id"]}))
    if args.shape == "tiny":
        weights = random_weights(args.family, args.seed)
        write_sharded(out, weights)
    else:
        write_groups(out, args.family, args.seed)
    if args.reference:
        g = torch.Generator().manual_seed(args.seed + 1)
        ids = torch.randint(0, 256, (2, 11), generator=g)
        ids[0, 3:7] = vocab[specials[-1]]  # some masks, as the runtime feeds them
        with torch.no_grad():
            bi = forward(args.family, config, weights, ids, causal=False)
            ca = forward(args.family, config, weights, ids, causal=True)
        Path(args.reference).write_text(json.dumps({
            "ids": ids.tolist(), "shape": list(bi.shape), "logits": bi.flatten().tolist(), "causal": ca.flatten().tolist()}))


if __name__ == "__main__":
    main()
