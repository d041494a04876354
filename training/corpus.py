"""Build the training corpus for the embedded model from text that Debian and npm packages ship.

Each domain's files are split into train / held-out by a hash of the file path, so the held-out
metrics in the model card are on files the model never saw; extra training-only text (EXTRA_TRAIN)
never enters the held-out split. Output: data/<split>/<domain>.txt, files joined by the document
separator.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

SEPARATOR = "<|endoftext|>"
HELD_OUT_PERCENT = 3
HERE = Path(__file__).resolve().parent

DOMAINS = {
    # Python 3.11 standard library (PSF-2.0), from Debian's python3.11 package.
    # (libpython3.11-testsuite's folders are excluded too: with it installed the split stays the same files.)
    "python": ("/usr/lib/python3.11", (".py",), ("test", "idlelib", "lib2to3/tests", "site-packages", "dist-packages",
                                                 "ctypes/test", "distutils/tests", "unittest/test", "tkinter/test")),
    # TypeScript's own lib/*.d.ts (Apache-2.0), from the npm typescript package.
    "typescript": (str(HERE / "node_modules/typescript/lib"), (".d.ts",), ()),
    # Python documentation sources (PSF-2.0), from Debian's python3.11-doc package.
    "pydocs": ("/usr/share/doc/python3.11/html/_sources", (".rst.txt",), ()),
}

# More training text (never held out, so the held-out sets above stay the same files): permissively
# licensed packages that Debian and npm install for this project. Each entry: domain, package name
# as its registry spells it, licence, root, suffixes. Every source is listed with its version, files
# and tokens in manifest.json. Evaluation text (OOD below) must never appear here.
DIST_PACKAGES = "/usr/lib/python3/dist-packages"
TRAINING_NPM = HERE / "node_modules"
ROOT_NPM = HERE.parent / "node_modules"
EXTRA_TRAIN = [
    *[("python", f"debian:{deb}", lic, f"{DIST_PACKAGES}/{name}", (".py",)) for name, deb, lic in (
        ("torch", "python3-torch", "BSD-3-Clause"), ("torchgen", "python3-torch", "BSD-3-Clause"),
        ("mpmath", "python3-mpmath", "BSD-3-Clause"), ("sympy", "python3-sympy", "BSD-3-Clause"),
        ("setuptools", "python3-setuptools", "MIT"), ("pip", "python3-pip", "MIT"),
        ("onnx", "python3-onnx", "Apache-2.0"), ("PIL", "python3-pil", "HPND"),
        ("requests", "python3-requests", "Apache-2.0"), ("urllib3", "python3-urllib3", "MIT"),
        ("pygments", "python3-pygments", "BSD-2-Clause"), ("yaml", "python3-yaml", "MIT"),
        ("dateutil", "python3-dateutil", "Apache-2.0 OR BSD-3-Clause"),
        ("cryptography", "python3-cryptography", "Apache-2.0 OR BSD-3-Clause"), ("oauthlib", "python3-oauthlib", "BSD-3-Clause"),
        ("jwt", "python3-jwt", "MIT"), ("sortedcontainers", "python3-sortedcontainers", "Apache-2.0"),
        ("toml", "python3-toml", "MIT"), ("psutil", "python3-psutil", "BSD-3-Clause"),
        ("blinker", "python3-blinker", "MIT"),
        ("httplib2", "python3-httplib2", "MIT"),
        ("idna", "python3-idna", "BSD-3-Clause"), ("charset_normalizer", "python3-charset-normalizer", "MIT"),
        ("future", "python3-future", "MIT"), ("wheel", "python3-wheel", "MIT"),
    )],
    *[("typescript", f"npm:{name}", None, str(TRAINING_NPM / name), (".d.ts",)) for name in (
        "@types/node", "@types/react", "@types/lodash", "@types/jquery", "@types/express-serve-static-core", "type-fest")],
    ("typescript", "npm:rxjs", None, str(TRAINING_NPM / "rxjs/src"), (".ts",)),
    *[("typescript", f"npm:{name}", None, str(ROOT_NPM / name / sub), (".js", ".ts")) for name, sub in (
        ("mocha", "lib"), ("@vscode/vsce", "out"), ("playwright-core", "lib"), ("commander", ""),
        ("chokidar", ""), ("yargs", "build/lib"), ("cheerio", "dist/commonjs"), ("semver", ""))],
]
# --tests: CPython's own test suite (PSF-2.0; Debian libpython3.11-testsuite), small functions and
# everyday calls that the library code above has few of. Training-only, like EXTRA_TRAIN.
TESTS = ("python", "debian:libpython3.11-testsuite", "PSF-2.0", "/usr/lib/python3.11/test", (".py",))
# Out-of-distribution evaluation text: reported in the model card, never trained on.
OOD = {
    "numpy": ("debian:python3-numpy", "BSD-3-Clause", f"{DIST_PACKAGES}/numpy", (".py",)),
    "click": ("debian:python3-click", "BSD-3-Clause", f"{DIST_PACKAGES}/click", (".py",)),
    "attrs": ("debian:python3-attr", "MIT", f"{DIST_PACKAGES}/attr", (".py",)),
    "vscode": ("npm:@types/vscode", "MIT", str(TRAINING_NPM / "@types/vscode"), (".d.ts",)),
}
FORBIDDEN_IN_TRAINING = ("/numpy", "/click", "/attr", "/attrs", "@types/vscode")
# Cap on each file taken from EXTRA_TRAIN: a few generated files (tables, unicode data) are huge.
MAX_EXTRA_FILE_CHARS = 200_000


def npm_meta(root: str) -> dict:
    """The package.json of the npm package holding `root` (skipping nested ones without a name)."""
    folder = Path(root)
    while folder != folder.parent:
        meta = folder / "package.json"
        if meta.exists() and "name" in (data := json.loads(meta.read_text())):
            return data
        folder = folder.parent
    raise SystemExit(f"corpus.py: no package.json above {root}")


def version_of(package: str, root: str) -> str:
    kind, name = package.split(":", 1)
    if kind == "debian":
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
        return out.stdout.strip() or "not installed"
    return npm_meta(root)["version"]


def licence_of(package: str, root: str, licence) -> str:
    return licence or npm_meta(root)["license"]


def shown(root: str) -> str:
    """A root as the manifest shows it: inside the repository, relative to it."""
    return os.path.relpath(root, HERE.parent) if root.startswith(str(HERE.parent)) else root


def fingerprint(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()


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


def main(out_dir: Path, extra: bool = True, tests: bool = False):
    """Write data/{train,heldout,ood}/<name>.txt and data/sources.json (source -> documents, in file order)."""
    for split in ("train", "heldout", "ood"):
        (out_dir / split).mkdir(parents=True, exist_ok=True)
    seen = set()  # whitespace-folded hashes: exact duplicates are kept once, evaluation text first
    sources = []  # manifest rows; "docs" is the count of documents each contributes, in write order

    def take(path: str, cap=None):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            return None
        if SEPARATOR in text or not text.strip() or (cap and len(text) > cap):
            return None
        digest = fingerprint(text)
        if digest in seen:
            return None
        seen.add(digest)
        return text

    # Evaluation text is read first, so no training file identical to it can slip in.
    for name, (package, licence, root, suffixes) in OOD.items():
        texts = [t for p in collect(root, suffixes, (), skip_dirs=("tests", "testing")) if (t := take(p))]
        (out_dir / "ood" / f"{name}.txt").write_text(SEPARATOR.join(texts), encoding="utf-8")
        sources.append(dict(split="ood", domain=name, package=package, version=version_of(package, root),
                            licence=licence, root=shown(root), files=len(texts), chars=sum(map(len, texts))))
    parts = {}
    for domain, (root, suffixes, exclude) in DOMAINS.items():
        paths = list(collect(root, suffixes, exclude))
        held = [p for p in paths if held_out(os.path.relpath(p, root))]
        own = [p for p in paths if not held_out(os.path.relpath(p, root))]
        package = {"python": "debian:python3.11", "typescript": "npm:typescript", "pydocs": "debian:python3.11-doc"}[domain]
        licence = {"python": "PSF-2.0", "typescript": "Apache-2.0", "pydocs": "PSF-2.0"}[domain]
        for split, paths in (("heldout", held), ("train", own)):
            texts = [t for p in paths if (t := take(p))]
            parts.setdefault((split, domain), []).extend(texts)
            sources.append(dict(split=split, domain=domain, package=package, version=version_of(package, root),
                                licence=licence, root=shown(root), files=len(texts), chars=sum(map(len, texts))))
    for domain, package, licence, root, suffixes in [*(EXTRA_TRAIN if extra else ()), *((TESTS,) if tests else ())]:
        if any(bad in root for bad in FORBIDDEN_IN_TRAINING):
            raise SystemExit(f"corpus.py: {root} is evaluation text and may not be trained on")
        paths = collect(root, suffixes, (), skip_dirs=("test", "tests", "testing", "__tests__", "spec"))
        texts = [t for p in paths if (t := take(p, MAX_EXTRA_FILE_CHARS))]
        parts.setdefault(("train", domain), []).extend(texts)
        sources.append(dict(split="train", domain=domain, package=package, version=version_of(package, root),
                            licence=licence_of(package, root, licence), root=shown(root), files=len(texts),
                            chars=sum(map(len, texts))))
    for (split, domain), texts in parts.items():
        (out_dir / split / f"{domain}.txt").write_text(SEPARATOR.join(texts), encoding="utf-8")
        print(f"{domain:12s} {split:8s} files={len(texts):5d} chars={sum(map(len, texts)):>10,}")
    (out_dir / "sources.json").write_text(json.dumps(sources, indent=1))


if __name__ == "__main__":
    # --no-extra: the three domains' own files only (what the first 8,000 steps were trained on).
    # --tests: also CPython's test suite (TESTS).
    flags = {"--no-extra", "--tests"}
    args = [a for a in sys.argv[1:] if a not in flags]
    main(Path(args[0]) if args else HERE / "data", extra="--no-extra" not in sys.argv[1:], tests="--tests" in sys.argv[1:])
