"""The embedded model: a small bidirectional transformer for masked diffusion (MDLM, no time input).

Each block adds a depthwise convolution over the sequence before attention: at this scale a plain
transformer sits on a unigram plateau for a long time, and the local mixing breaks it quickly.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


# DreamOn's expand token: a masked position predicted as it becomes two masks (train.py's expand
# objective; add_expand.py adds it to a tokenizer, export.py names it in config.json).
EXPAND_TOKEN = "<|expand|>"


def tokenizer_vocab(tokenizer: dict) -> dict:
    """Token -> id of a tokenizer.json, its added tokens included (they may lie past the model's vocabulary)."""
    return {**tokenizer["model"]["vocab"], **{t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}}


def vocab_size(vocab: dict) -> int:
    """Rows a model needs for `vocab` (tokenizer_vocab): one past its largest id."""
    return max(vocab.values()) + 1


@dataclass
class ModelConfig:
    vocab_size: int = 8192
    max_length: int = 512
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    mlp_ratio: int = 4
    conv_kernel: int = 5
    mask_token_id: int = 8191

    def to_dict(self):
        return asdict(self)


class Block(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        d = c.hidden_size
        self.num_heads = c.num_heads
        self.conv = nn.Conv1d(d, d, c.conv_kernel, padding=c.conv_kernel // 2, groups=d)
        self.norm1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.mlp_in = nn.Linear(d, c.mlp_ratio * d)
        self.mlp_out = nn.Linear(c.mlp_ratio * d, d)

    def forward(self, x):
        b, n, d = x.shape
        x = x + self.conv(x.transpose(1, 2)).transpose(1, 2)
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        # Plain attention (no fused kernel) so the ONNX export is portable.
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d // self.num_heads))
        attn = torch.matmul(scores.softmax(dim=-1), v).transpose(1, 2).reshape(b, n, d)
        x = x + self.proj(attn)
        return x + self.mlp_out(F.gelu(self.mlp_in(self.norm2(x))))


class DiffusionLM(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.config = c
        self.embed = nn.Embedding(c.vocab_size, c.hidden_size)
        self.pos = nn.Parameter(torch.zeros(c.max_length, c.hidden_size))
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.num_layers))
        self.norm = nn.LayerNorm(c.hidden_size)
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.pos, std=0.02)

    def hidden(self, input_ids):
        x = self.embed(input_ids) + self.pos[: input_ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def logits(self, h):
        # Tied output head.
        return F.linear(h, self.embed.weight)

    def forward(self, input_ids):
        return self.logits(self.hidden(input_ids))
