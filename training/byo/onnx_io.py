"""ONNX writing shared by the bring-your-own-model scripts: export, external data, int8 variant, parity reference.

External data policy: a model is one self-contained .onnx file when its weights fit comfortably under
protobuf's 2 GB limit (MDLM-OWT fp32 is ~0.7 GB), otherwise (or with force) the weights go to one
side file `<name>.onnx_data` next to it, the transformers.js convention. onnxruntime-node finds that
file relative to the .onnx path, so the runtime must load models by path, not from a buffer.
"""
import inspect
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch

TRAINING_DIR = Path(__file__).resolve().parent.parent
SINGLE_FILE_LIMIT = 1_800_000_000  # bytes of weights; protobuf refuses messages over 2 GiB


def weight_bytes(module):
    return sum(t.numel() * t.element_size() for t in module.state_dict().values())


def _save(model, path, external):
    path = Path(path)
    data_name = path.name + "_data"
    if (path.parent / data_name).exists():
        (path.parent / data_name).unlink()
    if external:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
    else:
        onnx.save_model(model, str(path))
    # The checker reads external data relative to the file, so check by path.
    onnx.checker.check_model(str(path))


def export_onnx(module, inputs, path, output_name="logits", opset=17, external=None):
    """Exports module(**inputs) with dynamic batch/sequence axes; returns whether external data was used."""
    module.eval()
    names = list(inputs)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes[output_name] = {0: "batch", 1: "sequence"}
    if external is None:
        external = weight_bytes(module) > SINGLE_FILE_LIMIT
    # torch >= 2.5 defaults to the dynamo exporter on some paths; this graph is written for the TorchScript one.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with tempfile.TemporaryDirectory(dir=Path(path).parent) as tmp:
        # torch writes per-tensor side files for >2 GB graphs; export to a scratch folder, then re-save as one layout.
        scratch = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(module, tuple(inputs[n] for n in names), scratch, input_names=names,
                              output_names=[output_name], dynamic_axes=axes, opset_version=opset,
                              do_constant_folding=True, **legacy)
        _save(onnx.load(scratch), path, external)
    return external


def write_quantized(src, dst):
    """int8 copy of src via training/quantize.py (DynamicQuantizeMatMul, per-column int8 weights)."""
    sys.path.insert(0, str(TRAINING_DIR))
    from quantize import quantize_model  # noqa: E402  (the embedded model's rewrite, shared read-only)
    model = onnx.load(str(src))
    count = quantize_model(model)
    size = sum(len(i.raw_data) for i in model.graph.initializer)
    _save(model, dst, size > SINGLE_FILE_LIMIT)
    return count


def save_reference(out_dir, inputs, logits):
    """Fixed inputs + PyTorch logits for parity.mjs: reference.json and reference_logits.f32 (little-endian)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    array = logits.detach().float().cpu().numpy().astype("<f4")
    (out_dir / "reference_logits.f32").write_bytes(array.tobytes())
    meta = {"inputs": {k: v.tolist() for k, v in inputs.items()}, "dims": list(array.shape),
            "logits_file": "reference_logits.f32", "argmax": np.argmax(array, axis=-1).tolist()}
    (out_dir / "reference.json").write_text(json.dumps(meta))


def file_sizes(folder):
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}
