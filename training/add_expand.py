"""A copy of a tokenizer folder with DreamOn's expand token added after its last id, for training
a model that grows its holes (train.py's expand objective; export.py then writes config.json's
expand_token_id). Usage: python3 add_expand.py TOKENIZER_DIR OUT_DIR
"""
import json
import shutil
import sys
from pathlib import Path

from model import EXPAND_TOKEN, tokenizer_vocab, vocab_size


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    tokenizer = json.loads((src / "tokenizer.json").read_text())
    vocab = tokenizer_vocab(tokenizer)
    if EXPAND_TOKEN in vocab:
        sys.exit(f"add_expand.py: {src / 'tokenizer.json'} has {EXPAND_TOKEN} already")
    expand_id = vocab_size(vocab)
    tokenizer.setdefault("added_tokens", []).append(dict(id=expand_id, content=EXPAND_TOKEN, single_word=False, lstrip=False,
                                                         rstrip=False, normalized=False, special=True))
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    shutil.copyfile(src / "tokenizer_config.json", out / "tokenizer_config.json")
    print(f"{out / 'tokenizer.json'}: {EXPAND_TOKEN} = {expand_id}")


if __name__ == "__main__":
    main()
