"""Build the training corpus for the embedded model from text that Debian and npm packages ship.

Each domain's files are split into train / held-out by a hash of the file path, so the held-out
metrics in the model card are on files the model never saw. Output: data/<split>/<domain>.txt,
files joined by the document separator.
"""
import hashlib
import os
import sys
from pathlib import Path

SEPARATOR = "<|endoftext|>"
HELD_OUT_PERCENT = 3
HERE = Path(__file__).resolve().parent

DOMAINS = {
    # Python 3.11 standard library (PSF-2.0), from Debian's python3.11 package.
    "python": ("/usr/lib/python3.11", (".py",), ("test", "idlelib", "lib2to3/tests", "site-packages", "dist-packages")),
    # TypeScript's own lib/*.d.ts (Apache-2.0), from the npm typescript package.
    "typescript": (str(HERE / "node_modules/typescript/lib"), (".d.ts",), ()),
    # Python documentation sources (PSF-2.0), from Debian's python3.11-doc package.
    "pydocs": ("/usr/share/doc/python3.11/html/_sources", (".rst.txt",), ()),
}


def held_out(path: str) -> bool:
    digest = hashlib.sha1(path.encode()).digest()
    return digest[0] * 100 // 256 < HELD_OUT_PERCENT


def collect(root: str, suffixes, exclude):
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if any(rel == e or rel.startswith(e + "/") for e in exclude):
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(suffixes):
                yield os.path.join(dirpath, name)


def main(out_dir: Path):
    for split in ("train", "heldout"):
        (out_dir / split).mkdir(parents=True, exist_ok=True)
    for domain, (root, suffixes, exclude) in DOMAINS.items():
        parts = {"train": [], "heldout": []}
        for path in collect(root, suffixes, exclude):
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if SEPARATOR in text or not text.strip():
                continue
            rel = os.path.relpath(path, root)
            parts["heldout" if held_out(rel) else "train"].append(text)
        for split, texts in parts.items():
            (out_dir / split / f"{domain}.txt").write_text(SEPARATOR.join(texts), encoding="utf-8")
            print(f"{domain:12s} {split:8s} files={len(texts):5d} chars={sum(map(len, texts)):>10,}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "data")
