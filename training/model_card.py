"""Refresh the model card (MODEL_DIR/README.md) from evaluate.py's metrics, or write a draft one.

A card that exists keeps its text: only the rows of its held-out and out-of-distribution tables
are rewritten, each row found by its first cell (the domain or set), so the prose each stage added
by hand stays. Without a card (or with --draft) a draft card is written from config.json and the
metrics; the two sections that come from the CLI (exact match through the real sampler, ten infill
examples) stay placeholders until cli_results.mjs fills the block between the cli-results markers.
Usage: /usr/bin/python3 model_card.py MODEL_DIR METRICS.json [--data data] [--draft [--reset-cli-sections]]
"""
import argparse
import json
import re
from pathlib import Path

CLI_START, CLI_END = "<!-- cli-results:start -->", "<!-- cli-results:end -->"
CLI_PLACEHOLDER = f"""{CLI_START}
### Exact match on held-out short-span infills through the real sampler

> **PLACEHOLDER** — to be filled from the CLI (`diffusion-infill`): exact-match rate of short
> held-out spans (per domain) infilled with the recommended sampler, with the command used.

### Ten infill examples from the CLI

> **PLACEHOLDER** — ten examples (prompt with hole → output), produced by the CLI with a fixed seed,
> with the command line.
{CLI_END}"""

SOURCES = {
    "python": ("Python 3.11 standard library `.py` files (no tests, idlelib, lib2to3 tests)",
               "Debian `python3.11`", "PSF-2.0"),
    "typescript": ("TypeScript's own `lib/*.d.ts` declaration files", "npm `typescript` 5.9.3", "Apache-2.0"),
    "pydocs": ("Python 3.11 documentation sources (`.rst.txt`)", "Debian `python3.11-doc`",
               "PSF-2.0 (code examples also 0BSD)"),
}


def data_rows(data: Path):
    rows = []
    for domain, (what, where, licence) in SOURCES.items():
        sizes = []
        for split in ("train", "heldout"):
            meta = data / split / f"{domain}.json"
            if meta.exists():
                m = json.loads(meta.read_text())
                sizes.append(f"{m['bytes'] / 1e6:.2f} MB / {m['tokens'] / 1e6:.2f}M tok")
            else:
                sizes.append("?")
        rows.append(f"| {domain} | {what} | {where} | {licence} | {sizes[0]} | {sizes[1]} |")
    return "\n".join(rows)


def metrics_rows(metrics):
    rows = []
    for domain, m in metrics["domains"].items():
        rows.append(f"| {domain} | {m['evaluated_tokens']:,} | {100 * m['acc15']:.1f}% | {100 * m['unigram']['acc']:.1f}% | "
                    f"{100 * m['acc50']:.1f}% | {m['nelbo_bpb']:.3f} ± {m['nelbo_bpb_stderr']:.3f} | "
                    f"{m['unigram']['bpb']:.3f} |")
    return "\n".join(rows)


def ood_rows(metrics):
    names = {"numpy": "numpy (Debian python3-numpy)", "click": "click (Debian python3-click)",
             "attrs": "attrs (Debian python3-attr)", "vscode": "@types/vscode declarations"}
    rows = []
    for name, m in metrics.get("ood", {}).items():
        rows.append(f"| {names.get(name, name)} | {m['evaluated_tokens']:,} | {100 * m['acc15']:.1f}% | "
                    f"{100 * m['acc50']:.1f}% | {m['nelbo_bpb']:.3f} ± {m['nelbo_bpb_stderr']:.3f} |")
    return "\n".join(rows)


def extra_summary(manifest_path: Path):
    if not manifest_path.exists():
        return "(no manifest)"
    extra = [s for s in json.loads(manifest_path.read_text()) if s["split"] == "train" and s["package"] not in
             ("debian:python3.11", "npm:typescript", "debian:python3.11-doc")]
    by_domain = {}
    for s in extra:
        d = by_domain.setdefault(s["domain"], [0, 0, set()])
        d[0] += s["files"]
        d[1] += s["tokens"]
        d[2].add(s["package"].split(":", 1)[1])
    return "; ".join(f"{domain}: {len(pk)} packages, {files:,} files, {tokens / 1e6:.1f}M tokens"
                     for domain, (files, tokens, pk) in by_domain.items())


HELDOUT_HEADER = "| domain | tokens | acc @15% mask |"
OOD_HEADER = "| set | tokens | acc @15% mask |"


def refresh_rows(card: str, header: str, rows: str):
    """Each generated row replaces the row with the same first cell in the card's table under
    `header`; returns the card and the first cells that table has no row for."""
    lines = card.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(header)), len(lines))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    missing = []
    for row in rows.split("\n"):
        key = row.split(" | ")[0] + " | "
        hit = next((i for i in range(start, end) if lines[i].startswith(key)), None)
        if hit is None:
            missing.append(key.strip("| "))
        else:
            lines[hit] = with_marks(lines[hit], row)
    return "\n".join(lines), missing


def with_marks(old: str, new: str):
    """`new` with the marks a stage put on `old`'s figures by hand: bold (a target met) and a
    bracketed earlier figure, which the card's prose refers to."""
    before, after = old[2:-2].split(" | "), new[2:-2].split(" | ")
    if len(before) != len(after):
        return new
    cells = after[:1]
    for a, b in zip(before[1:], after[1:]):
        bracket = re.search(r" \([^()]*\)$", a)
        cells.append((f"**{b}**" if a.startswith("**") else b) + (bracket.group(0) if bracket else ""))
    return "| " + " | ".join(cells) + " |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("metrics", type=Path)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--draft", action="store_true", help="write a draft card even where one exists")
    ap.add_argument("--reset-cli-sections", action="store_true")
    args = ap.parse_args()
    metrics = json.loads(args.metrics.read_text())
    old = args.model_dir / "README.md"
    if old.exists() and not args.draft:
        card, missing = old.read_text(), []
        for header, rows in ((HELDOUT_HEADER, metrics_rows(metrics)), (OOD_HEADER, ood_rows(metrics))):
            card, lacking = refresh_rows(card, header, rows)
            missing += lacking
        old.write_text(card)
        print(f"refreshed the metrics rows of {old}" + (f"; no row for: {', '.join(missing)}" if missing else ""))
        return
    config = json.loads((args.model_dir / "config.json").read_text())
    info = config["diffusion_infill"]
    ckpt = metrics["checkpoint"]
    if ckpt.get("step") != info["trained_steps"]:
        print(f"warning: metrics are for step {ckpt.get('step')}, the export is step {info['trained_steps']}")
    d, layers, heads = config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"]
    v, n, k = config["vocab_size"], config["max_position_embeddings"], config["conv_kernel"]
    ff = config["intermediate_size"]
    params = config["num_parameters"]
    sizes = {f: (args.model_dir / "onnx" / f).stat().st_size / 1e6 for f in ("model.onnx", "model_quantized.onnx")
             if (args.model_dir / "onnx" / f).exists()}
    cli = CLI_PLACEHOLDER
    if not args.reset_cli_sections and old.exists():
        found = re.search(re.escape(CLI_START) + ".*?" + re.escape(CLI_END), old.read_text(), re.S)
        cli = found.group(0) if found else cli
    stale = "" if ckpt.get("step") == info["trained_steps"] else (
        f" — **not the exported step {info['trained_steps']:,}: re-run evaluate.py on the shipped checkpoint**")
    sampler = json.dumps(info["recommended_sampler"])
    hours = info["train_seconds"] / 3600
    card = f"""---
license: mit
library_name: onnxruntime
pipeline_tag: fill-mask
tags: [masked-diffusion, mdlm, remdm, code, onnx]
---

# mdlm-code-small

A small masked diffusion language model (MDLM, Sahoo et al. 2024) for infilling Python,
TypeScript / JavaScript and Python-documentation prose, embedded in the Diffusion Infill VS Code
extension and sampled there with ReMDM (Wang et al. 2025). **Draft card**: numbers below are for
the checkpoint at step {info['trained_steps']:,}; they are regenerated on each re-export
(`training/model_card.py`).

## Model

- Bidirectional transformer, {params / 1e6:.2f}M parameters: d{d}, {layers} layers, {heads} heads, MLP {ff},
  a depthwise convolution (kernel {k}) before attention in each block, learned positions,
  output head tied to the token embedding. No time conditioning (`time_conditioning: false`).
- Vocabulary {v:,} byte-level BPE tokens (`<|endoftext|>` = 0, `[MASK]` = {config['mask_token_id']}), context {n} tokens.
- Files: `onnx/model.onnx` fp32 ({sizes.get('model.onnx', 0):.1f} MB), `onnx/model_quantized.onnx` int8 weights
  via `com.microsoft.DynamicQuantizeMatMul` ({sizes.get('model_quantized.onnx', 0):.1f} MB). Input `input_ids` int64
  [batch, sequence]; output `logits` float32 [batch, sequence, {v}]. The sampler must never pick `[MASK]`.
- Recommended sampler (config.json): `{sampler}`.
- Context bias (config.json `diffusion_infill.context_bias`): {info.get('context_bias', 0)}: while sampling, the runtime adds
  it to the logits of every token the text around a hole holds (a token and its space-prefixed form
  alike), so the model reuses the names it sees (`src/core/contextBias.ts`).

## Training data

Text shipped by Debian and npm packages, split into train / held-out by a hash of each file's path
(3% of files held out, so the metrics are on files never seen in training).

| domain | content | from | licence | train | held-out |
|---|---|---|---|---|---|
{data_rows(args.data)}

Training-only text (never held out; every package with its version, licence, files and tokens in
`training/manifest.json`, exact duplicates removed): {extra_summary(Path(__file__).resolve().parent / "manifest.json")}.
Reserved for evaluation and never trained on: Debian `python3-numpy`, `python3-click`, `python3-attr`
and npm `@types/vscode` (the out-of-distribution column below).
Domains are sampled 42% python, 38% pydocs, 20% typescript.

## Training

AdamW (β 0.9/0.98, weight decay 0.03), cosine decay, 4,096 tokens per step in windows of
128/256/512 tokens, in the stages `training/train.sh` runs (each stage's objective, data, schedule
and compute: `training/README.md`). This export's last stage: {info['trained_steps']:,} steps,
{info['trained_tokens'] / 1e6:.1f}M tokens, {info['train_seconds']:,} s ({hours:.2f} h).

## Held-out metrics

Checkpoint at step {ckpt.get('step'):,} ({(ckpt.get('tokens') or 0) / 1e6:.1f}M tokens){stale}. From `training/evaluate.py` (seed {metrics['seed']}, consecutive {metrics['window']}-token windows, {metrics['draws']}
NELBO draws per window). Masked accuracy: argmax at masked positions. NELBO: the MDLM
continuous-time bound in bits per byte (± standard error over windows). Unigram baseline: token
frequencies of the same domain's train split (accuracy = always the most frequent token).

{HELDOUT_HEADER} unigram acc | acc @50% mask | NELBO bits/byte | unigram bits/byte |
|---|---|---|---|---|---|---|
{metrics_rows(metrics)}

### Out of distribution (never trained on)

Same measures on packages reserved for evaluation (up to {metrics.get('max_ood_windows', 120)} windows of
{metrics['window']} tokens each, evenly spread).

{OOD_HEADER} acc @50% mask | NELBO bits/byte |
|---|---|---|---|---|
{ood_rows(metrics)}

{cli}

## Limitations

A few-million-parameter model trained for a few hours on CPU: it completes local syntax
and common idioms, not program logic; it knows the Python standard library, a few dozen Python and
npm packages, TypeScript's built-in declarations and the Python docs; it has no notion of correctness and can write
plausible-looking wrong code. Outputs may reproduce training text (PSF-2.0 / Apache-2.0 sources).
"""
    (args.model_dir / "README.md").write_text(card)
    print(f"wrote {args.model_dir / 'README.md'}")


if __name__ == "__main__":
    main()
