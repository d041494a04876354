"""Weights back out of an exported model folder: its fp32 graph keeps every parameter as an
initializer under its state_dict name (export.py exports without constant folding), so a folder
is enough to rebuild the PyTorch model, to continue training it or to time it beside ONNX Runtime.
"""
import json
from pathlib import Path

import torch

from model import DiffusionLM, ModelConfig


def weights_from_onnx(path: Path, model: DiffusionLM) -> dict:
    """The state_dict of `model` filled from the graph at `path`; exits naming any missing or misshapen parameter."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(path)).graph
    stored = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    wanted = model.state_dict()
    # The exporter keeps one copy of identical constants (a fresh LayerNorm's ones and zeros) and
    # gives the other parameters' names to Identity nodes reading that copy.
    alias = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in stored}
    weights, missing = {}, []
    for name, tensor in wanted.items():
        found = stored.get(alias.get(name, name))
        if found is None or found.shape != tuple(tensor.shape):
            missing.append(name)
        else:
            weights[name] = torch.from_numpy(found.copy())
    if missing:
        raise SystemExit(f"{path}: no initializer of the right shape for {', '.join(missing)}")
    return weights


def config_from_folder(folder: Path) -> ModelConfig:
    c = json.loads((Path(folder) / "config.json").read_text())
    return ModelConfig(vocab_size=c["vocab_size"], max_length=c["max_position_embeddings"], hidden_size=c["hidden_size"],
                       num_layers=c["num_hidden_layers"], num_heads=c["num_attention_heads"],
                       mlp_ratio=c["intermediate_size"] // c["hidden_size"], conv_kernel=c["conv_kernel"],
                       mask_token_id=c["mask_token_id"])


def model_from_folder(folder: Path) -> DiffusionLM:
    """The PyTorch model of an exported folder, in eval mode."""
    model = DiffusionLM(config_from_folder(folder))
    model.load_state_dict(weights_from_onnx(Path(folder) / "onnx" / "model.onnx", model))
    return model.eval()
