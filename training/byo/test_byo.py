"""Tests for the bring-your-own-model scripts (small sizes; about half a minute on 2 cores).

  cd training/byo && npm install && /usr/bin/python3 -m unittest test_byo -v

Runs the real exporter on a random MDLM-OWT-shaped checkpoint and a tiny BERT, then onnxruntime-node
and @huggingface/tokenizers from the repository's node_modules on the results.
"""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch

from export_mdlm_owt import load_checkpoint
from mdlm_dit import DitShape, MdlmOwt
from reference_dit_forward import reference_logits
from safetensors_io import read_header, read_safetensors, write_safetensors

HERE = Path(__file__).resolve().parent


def run(*cmd):
    done = subprocess.run([str(c) for c in cmd], cwd=HERE, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def encode(model_dir, text):
    return json.loads(run("node", "encode.mjs", model_dir, text))


class SafetensorsTest(unittest.TestCase):
    def test_round_trip_keeps_names_shapes_and_values(self):
        tensors = {"b.weight": torch.randn(3, 5), "a.bias": torch.randn(7).to(torch.bfloat16),
                   "ids": torch.arange(4, dtype=torch.int64)}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.safetensors"
            write_safetensors(path, tensors, {"format": "pt"})
            header, base = read_header(path)
            self.assertEqual(header["a.bias"]["dtype"], "BF16")
            self.assertEqual(base % 8, 0)
            back = read_safetensors(path)
        self.assertEqual(set(back), set(tensors))
        for name, t in tensors.items():
            self.assertEqual(back[name].dtype, t.dtype)
            self.assertTrue(torch.equal(back[name], t), name)


class DitModuleTest(unittest.TestCase):
    def test_state_dict_keys_are_the_checkpoints(self):
        keys = set(MdlmOwt(DitShape(n_blocks=1, hidden_dim=64, n_heads=4, cond_dim=16, vocab_size=10)).state_dict())
        for key in ("backbone.vocab_embed.embedding", "backbone.sigma_map.mlp.0.weight", "backbone.sigma_map.mlp.2.bias",
                    "backbone.rotary_emb.inv_freq", "backbone.blocks.0.norm1.weight", "backbone.blocks.0.attn_qkv.weight",
                    "backbone.blocks.0.attn_out.weight", "backbone.blocks.0.mlp.0.bias", "backbone.blocks.0.mlp.2.weight",
                    "backbone.blocks.0.adaLN_modulation.bias", "backbone.output_layer.norm_final.weight",
                    "backbone.output_layer.linear.bias", "backbone.output_layer.adaLN_modulation.weight"):
            self.assertIn(key, keys)
        self.assertFalse(any("zero_bias" in k for k in keys))

    def test_matches_the_literal_reference_forward(self):
        torch.manual_seed(3)
        model = MdlmOwt(DitShape(vocab_size=50, hidden_dim=48, cond_dim=16, n_blocks=2, n_heads=4)).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "adaLN" in name:
                    p.normal_(0, 0.2)  # exercise the modulation paths
            ids = torch.randint(0, 50, (2, 11))
            got = model(ids)
            want = reference_logits(model.state_dict(), ids, n_heads=4)
        self.assertLess((got - want).abs().max().item(), 1e-5)


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_mdlm_owt_export_parity_and_tokenizer(self):
        ckpt, out, ref = self.root / "ckpt", self.root / "mdlm", self.root / "mdlm_ref"
        run(sys.executable, "make_random_mdlm_owt.py", ckpt, "--small", "--bf16")
        model, _ = load_checkpoint(ckpt)
        with torch.no_grad():
            ids = torch.randint(0, 50258, (1, 9))
            self.assertLess((model(ids) - reference_logits(model.state_dict(), ids, n_heads=4)).abs().max().item(), 1e-5)
        run(sys.executable, "export_mdlm_owt.py", ckpt, out, "--quantize", "--reference-dir", ref, "--threads", "1")
        config = json.loads((out / "config.json").read_text())
        self.assertEqual((config["model_type"], config["mask_token_id"], config["vocab_size"],
                          config["max_position_embeddings"], config["time_conditioning"]), ("mdlm", 50257, 50258, 1024, False))
        report = run("node", "parity.mjs", out, ref, "--tol", "1e-4")
        self.assertIn("model.onnx: inputs [input_ids] outputs [logits]", report)
        self.assertIn("model_quantized.onnx", report)
        # GPT-2's own ids for these strings; [MASK] is the appended 50257.
        self.assertEqual(encode(out, "Hello world")["ids"], [15496, 995])
        got = encode(out, "def foo(x):\n    return x[MASK]<|endoftext|>")
        self.assertEqual(got["ids"], [4299, 22944, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 50257, 50256])
        self.assertEqual(got["decoded"], "def foo(x):\n    return x[MASK]<|endoftext|>")

    def test_parity_check_fails_on_a_wrong_model(self):
        # Export one random checkpoint, compare against another's reference: the checker must say so.
        a, b = self.root / "a", self.root / "b"
        run(sys.executable, "make_random_mdlm_owt.py", a, "--small", "--seed", "1")
        run(sys.executable, "make_random_mdlm_owt.py", b, "--small", "--seed", "2")
        run(sys.executable, "export_mdlm_owt.py", a, self.root / "a_out", "--reference-dir", self.root / "a_ref")
        run(sys.executable, "export_mdlm_owt.py", b, self.root / "b_out", "--external-data")
        self.assertTrue((self.root / "b_out" / "onnx" / "model.onnx_data").exists())
        done = subprocess.run(["node", "parity.mjs", self.root / "b_out", self.root / "a_ref"], cwd=HERE,
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)

    def test_tiny_bert_folder(self):
        out, ref = self.root / "bert", self.root / "bert_ref"
        run(sys.executable, "make_tiny_bert.py", out, "--reference-dir", ref)
        config = json.loads((out / "config.json").read_text())
        self.assertEqual(config["model_type"], "bert")
        self.assertEqual(json.loads((out / "tokenizer_config.json").read_text())["mask_token"], "[MASK]")
        report = run("node", "parity.mjs", out, ref)
        self.assertIn("inputs [input_ids, attention_mask, token_type_ids] outputs [logits]", report)
        got = encode(out, "The value is [MASK]")
        self.assertEqual(got["ids"][0], 2)  # [CLS]
        self.assertEqual(got["ids"][-1], 3)  # [SEP]
        self.assertIn(4, got["ids"])  # [MASK]
        self.assertEqual(got["decoded"], "[CLS] the value is [MASK] [SEP]")


if __name__ == "__main__":
    unittest.main()
