"""A copy of a tokenizer folder with DreamOn's expand token added after its last id, for training
a model that grows its holes (train.py's expand objective; export.py then writes config.json's
expand_token_id). Usage: python3 add_expand.py TOKENIZER_DIR OUT_DIR
"""
import json
import shutil
import sys
from pathlib import Path

from model import EXPAND_TOKEN


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    tokenizer = json.loads((src / "tokenizer.json").read_text())
    added = tokenizer.setdefault("added_tokens", [])
    if any(t["content"] == EXPAND_TOKEN for t in added):
        sys.exit(f"add_expand.py: {src / 'tokenizer.json'} has {EXPAND_TOKEN} already")
    ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in added]
    added.append(dict(id=max(ids) + 1, content=EXPAND_TOKEN, single_word=False, lstrip=False, rstrip=False,
                      normalized=False, special=True))
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    shutil.copyfile(src / "tokenizer_config.json", out / "tokenizer_config.json")
    print(f"{out / 'tokenizer.json'}: {EXPAND_TOKEN} = {max(ids) + 1}")


if __name__ == "__main__":
    main()
