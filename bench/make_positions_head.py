"""Adds an optional sampling head to an exported model: a `logit_positions` input (int64
[batch, positions]) that gathers the final hidden states at those positions before the output
projection, so the graph computes and returns logits only where the sampler reads them
([batch, positions, vocab]) instead of at every token ([batch, sequence, vocab]).

Under SUBS only masked positions read the logits, and a hole is a fraction of the window: the
head's matmul and the logits copied out of ONNX Runtime shrink by that fraction. The fp32 graph
gives exactly the full graph's rows; the int8 graph quantizes the activations per tensor at run
time, so its scale (and last bits) follow the gathered rows.

Usage: /usr/bin/python3 bench/make_positions_head.py [MODEL_DIR] [OUT_DIR]
  default: models/mdlm-code-small -> bench/out/mdlm-code-small-positions (a full model folder);
  OUT_DIR may be MODEL_DIR itself (graphs that already have the input are left alone).
"""
import shutil
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parent.parent
INPUT = "logit_positions"


def add_positions_head(src: Path, dst: Path):
    m = onnx.load(str(src))
    g = m.graph
    head = next(n for n in g.node if "logits" in n.output)
    hidden = head.input[0]
    axes = helper.make_tensor("logit_positions_axes", TensorProto.INT64, [1], [-1])
    g.initializer.append(axes)
    g.input.append(helper.make_tensor_value_info(INPUT, TensorProto.INT64, ["batch", "positions"]))
    unsqueeze = helper.make_node("Unsqueeze", [INPUT, axes.name], ["logit_positions_idx"], name="logit_positions_unsqueeze")
    gather = helper.make_node("GatherND", [hidden, "logit_positions_idx"], ["logit_positions_hidden"], name="logit_positions_gather", batch_dims=1)
    head.input[0] = "logit_positions_hidden"
    at = list(g.node).index(head)
    g.node.insert(at, gather)
    g.node.insert(at, unsqueeze)
    out = next(o for o in g.output if o.name == "logits")
    out.type.tensor_type.shape.dim[1].dim_param = "positions"
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models/mdlm-code-small"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "bench/out/mdlm-code-small-positions"
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    if src.resolve() != out.resolve():
        for f in src.iterdir():
            if f.is_file():
                shutil.copyfile(f, out / f.name)
    for name in ("model.onnx", "model_quantized.onnx"):
        graph = src / "onnx" / name
        if not graph.exists():
            continue
        # Written next to the target and moved into place: the extension may be reading it.
        tmp = out / "onnx" / (name + ".tmp")
        if INPUT not in [i.name for i in onnx.load(str(graph), load_external_data=False).graph.input]:
            add_positions_head(graph, tmp)
        elif graph.resolve() != (out / "onnx" / name).resolve():
            shutil.copyfile(graph, tmp)  # already has the input: copied as it is
        else:
            continue
        tmp.replace(out / "onnx" / name)
    print(f"{out}: input {INPUT} added")


if __name__ == "__main__":
    main()
