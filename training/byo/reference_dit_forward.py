"""A second, independent MDLM DiT forward written straight from the released code's structure.

It follows kuleshov-group/mdlm models/dit.py step by step on a bare state dict: packed qkv
[b, s, 3, h, d] rotated with 5-D cos/sin tables whose v slice is the identity, the flash-attention
rotary formula on half-dimensions (x1 cos - x2 sin, x1 sin + x2 cos), varlen attention as a per-head
einsum, and bias_dropout_add_scale as residual + gate * x. Tests compare it with mdlm_dit.MdlmOwt so
that a wiring mistake in the export module cannot hide behind a PyTorch-vs-ONNX parity check.
"""
import math

import torch
import torch.nn.functional as F


def _linear(x, w, b=None):
    return x @ w.T + (b if b is not None else 0)


def _norm(x, w):
    return F.layer_norm(x.float(), [x.shape[-1]]) * w[None, None, :]


def reference_logits(sd, input_ids, n_heads, prefix="backbone."):
    p = lambda name: sd[prefix + name]  # noqa: E731
    x = p("vocab_embed.embedding")[input_ids]
    b, s, d = x.shape
    # Timestep embedder at sigma = 0 (time conditioning off).
    freq_dim = p("sigma_map.mlp.0.weight").shape[1]
    half = freq_dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = torch.zeros(b)[:, None] * freqs[None]
    t = torch.cat([torch.cos(args), torch.sin(args)], dim=-1).to(x.dtype)
    t = _linear(F.silu(_linear(t, p("sigma_map.mlp.0.weight"), p("sigma_map.mlp.0.bias"))),
                p("sigma_map.mlp.2.weight"), p("sigma_map.mlp.2.bias"))
    c = F.silu(t)
    hd = d // n_heads
    inv_freq = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    f = torch.einsum("i,j->ij", torch.arange(s).float(), inv_freq)
    emb = torch.cat((f, f), dim=-1)
    cos = emb.cos()[None, :, None, None, :].repeat(1, 1, 3, 1, 1)
    sin = emb.sin()[None, :, None, None, :].repeat(1, 1, 3, 1, 1)
    cos[:, :, 2], sin[:, :, 2] = 1.0, 0.0
    cos_h, sin_h = cos[0, :, 0, 0, : hd // 2], sin[0, :, 0, 0, : hd // 2]
    i = 0
    while prefix + f"blocks.{i}.norm1.weight" in sd:
        blk = lambda name: p(f"blocks.{i}.{name}")  # noqa: E731
        mod = _linear(c, blk("adaLN_modulation.weight"), blk("adaLN_modulation.bias"))[:, None].chunk(6, dim=2)
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = mod
        skip = x
        h = _norm(x, blk("norm1.weight")) * (1 + scale_msa) + shift_msa
        qkv = _linear(h, blk("attn_qkv.weight")).view(b, s, 3, n_heads, hd).clone()
        for j in (0, 1):  # flash_attn's apply_rotary_emb_qkv_ rotates q and k in place
            x1, x2 = qkv[:, :, j, :, : hd // 2].clone(), qkv[:, :, j, :, hd // 2:].clone()
            cs, sn = cos_h[None, :, None, :], sin_h[None, :, None, :]
            qkv[:, :, j, :, : hd // 2] = x1 * cs - x2 * sn
            qkv[:, :, j, :, hd // 2:] = x1 * sn + x2 * cs
        q, k, v = qkv.unbind(dim=2)  # [b, s, h, hd]
        att = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(hd)
        o = torch.einsum("bhqk,bkhd->bqhd", att.softmax(-1), v).reshape(b, s, d)
        x = skip + gate_msa * _linear(o, blk("attn_out.weight"))
        h = _norm(x, blk("norm2.weight")) * (1 + scale_mlp) + shift_mlp
        h = _linear(F.gelu(_linear(h, blk("mlp.0.weight"), blk("mlp.0.bias")), approximate="tanh"),
                    blk("mlp.2.weight"), blk("mlp.2.bias"))
        x = x + gate_mlp * h
        i += 1
    shift, scale = _linear(c, p("output_layer.adaLN_modulation.weight"), p("output_layer.adaLN_modulation.bias"))[:, None].chunk(2, dim=2)
    h = _norm(x, p("output_layer.norm_final.weight")) * (1 + scale) + shift
    return _linear(h, p("output_layer.linear.weight"), p("output_layer.linear.bias"))
