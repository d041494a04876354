"""Build the training corpus for the embedded model from text that Debian and npm packages ship.

Each domain's files are split into train / held-out by a hash of the file path, so the held-out
metrics in the model card are on files the model never saw; extra training-only text (EXTRA_TRAIN)
never enters the held-out split. Output: data/<split>/<domain>.txt, files joined by the document
separator.
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

# More training text (never held out, so the held-out sets above stay the same files): permissively
# licensed Python packages that Debian installs with python3-torch / python3-onnx, and declaration
# files from npm packages pinned in package.json (all MIT or Apache-2.0).
DIST_PACKAGES = "/usr/lib/python3/dist-packages"
EXTRA_TRAIN = {
    "python": [(f"{DIST_PACKAGES}/{name}", (".py",), ())
               for name in ("numpy", "torch", "torchgen", "mpmath", "setuptools", "pip", "onnx", "PIL")],
    "typescript": [(str(HERE / "node_modules" / name), (".d.ts",), ())
                   for name in ("@types/node", "@types/vscode", "@types/react", "@types/lodash", "@types/jquery",
                                "@types/express-serve-static-core", "csstype", "type-fest", "rxjs")],
}
# Cap on each file taken from EXTRA_TRAIN: a few generated files (tables, unicode data) are huge.
MAX_EXTRA_FILE_CHARS = 200_000


def held_out(path: str) -> bool:
    digest = hashlib.sha1(path.encode()).digest()
    return digest[0] * 100 // 256 < HELD_OUT_PERCENT


def collect(root: str, suffixes, exclude, skip_dirs=()):
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if any(rel == e or rel.startswith(e + "/") for e in exclude) or set(rel.split("/")) & set(skip_dirs):
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(suffixes):
                yield os.path.join(dirpath, name)


def main(out_dir: Path, extra: bool = True):
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
        for root, suffixes, exclude in EXTRA_TRAIN.get(domain, ()) if extra else ():
            for path in collect(root, suffixes, exclude, skip_dirs=("test", "tests", "testing")):
                text = Path(path).read_text(encoding="utf-8", errors="replace")
                if SEPARATOR not in text and text.strip() and len(text) <= MAX_EXTRA_FILE_CHARS:
                    parts["train"].append(text)
        for split, texts in parts.items():
            (out_dir / split / f"{domain}.txt").write_text(SEPARATOR.join(texts), encoding="utf-8")
            print(f"{domain:12s} {split:8s} files={len(texts):5d} chars={sum(map(len, texts)):>10,}")


if __name__ == "__main__":
    # --no-extra: the three domains' own files only (what the first 8,000 steps were trained on).
    args = [a for a in sys.argv[1:] if a != "--no-extra"]
    main(Path(args[0]) if args else HERE / "data", extra="--no-extra" not in sys.argv[1:])
