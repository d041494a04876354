"""Minimal safetensors reader and writer (Debian has no python3-safetensors).

The format: an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian tensor bytes; offsets are relative to the end of the header.
"""
import json
import mmap
import struct

import numpy as np
import torch

# bf16 has no numpy dtype: it is read as int16 bits and widened to fp32 through torch.
_NUMPY_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.int16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}
_TORCH_NAMES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100_000_000:
            raise ValueError(f"{path}: header length {n} is not plausible; is this a safetensors file?")
        header = json.loads(f.read(n))
    return header, 8 + n


def read_safetensors(path):
    """{name: torch tensor} (copies, so the file can be closed); bf16 stays bf16."""
    header, base = read_header(path)
    tensors = {}
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = info["dtype"]
            if dtype not in _NUMPY_DTYPES:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
            begin, end = info["data_offsets"]
            array = np.frombuffer(mm, dtype=_NUMPY_DTYPES[dtype], count=(end - begin) // np.dtype(_NUMPY_DTYPES[dtype]).itemsize,
                                  offset=base + begin).reshape(info["shape"]).copy()
            t = torch.from_numpy(array)
            tensors[name] = t.view(torch.bfloat16) if dtype == "BF16" else t
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} with tensors laid out in name order, as the reference writer does."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": _TORCH_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # keep tensor data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in blobs:
            f.write(raw)
