#!/usr/bin/env python3
"""Benchmark `modellock audit` on a 100,000-file tree against ripgrep.

The requirement (issue 7): `audit` of a 100,000-file tree finishes in seconds
on 2 cores, and is compared with `rg -n 'meta-llama|Qwen/|ollama pull'` on the
same tree.

The script builds the release binary (unless `--bin` is given), generates a
tree of `--files` files (default 100,000) in nested directories: Python
modules, TypeScript, YAML, JSON, shell and Markdown files of 1-6 KiB of
ordinary code, one in `--hit-every` (default 200) of them with a model
reference (`from_pretrained("meta-llama/…")`, `ollama pull …`, a `model_id:`
key, a Hub URL), plus a `.gitignore`d directory. It checks that audit finds
every planted reference, then times, interleaved, after one warm-up run each
(so both read from the page cache):

  (a) `rg -n 'meta-llama|Qwen/|ollama pull' TREE`
  (b) `modellock audit TREE` (human output to /dev/null)
  (c) `modellock audit --format json TREE`

It exits non-zero only on a setup error (build, missing binary or rg, a
planted reference not found); never because of a timing. Python 3.11+
standard library only. ripgrep comes from Debian's packages
(`apt-get install ripgrep`) and is needed for the benchmark only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PY = '''"""Module {i}: data loading and training utilities."""
import os
import json
from dataclasses import dataclass


@dataclass
class Config{i}:
    batch_size: int = {b}
    learning_rate: float = 3e-4
    data_dir: str = "data/train"
    output_dir: str = "outputs/run-{i}"


def load_examples(path: str) -> list[dict]:
    with open(os.path.join(path, "examples.jsonl")) as f:
        return [json.loads(line) for line in f]


def batches(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def train_step(model, batch, optimizer):
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return float(loss)
'''

TS = '''// Component {i}
import {{ useState }} from 'react'

export function Panel{i}(props: {{ title: string; items: string[] }}) {{
  const [open, setOpen] = useState(false)
  return props.items.filter((x) => x.length > {b}).map((x) => x.toUpperCase())
}}

export const route{i} = '/api/v1/items/{i}'
'''

YAML = '''apiVersion: v1
kind: ConfigMap
metadata:
  name: service-{i}
data:
  LOG_LEVEL: info
  WORKERS: "{b}"
  DATA_DIR: data/train
'''

JSON = '''{{"name": "pkg-{i}", "version": "1.{b}.0", "scripts": {{"build": "tsc", "test": "vitest"}}, "dependencies": {{"react": "^18.2.0"}}}}
'''

SH = '''#!/bin/sh
set -eu
echo "job {i}"
python -m train --epochs {b} --data data/train
'''

MD = '''# Notes {i}

Some prose about the project, batch size {b}, and the data in data/train.
'''

HITS = [
    ('py', 'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")\n'),
    ('py', 'summarizer = pipeline("summarization", model="Qwen/Qwen2.5-7B-Instruct")\n'),
    ('sh', 'ollama pull llama3.1:8b\n'),
    ('yaml', 'model_id: mistralai/Mistral-7B-Instruct-v0.3\n'),
    ('ts', "const url = 'https://huggingface.co/BAAI/bge-small-en-v1.5/resolve/main/config.json'\n"),
]

KINDS = [('py', PY, 0.55), ('ts', TS, 0.15), ('yaml', YAML, 0.1), ('json', JSON, 0.1), ('sh', SH, 0.05), ('md', MD, 0.05)]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build() -> Path:
    log("building the release binary (cargo build --release --locked)...")
    out = subprocess.run(
        ["cargo", "build", "--release", "--locked", "--message-format=json"],
        cwd=ROOT, stdout=subprocess.PIPE, check=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == "modellock":
            return Path(msg["executable"])
    sys.exit("cargo did not report the modellock binary")


def generate(tree: Path, files: int, hit_every: int, seed: int) -> int:
    rng = random.Random(seed)
    planted = 0
    names = [k for k, _, _ in KINDS]
    weights = [w for _, _, w in KINDS]
    templates = {k: t for k, t, _ in KINDS}
    for i in range(files):
        kind = rng.choices(names, weights)[0]
        d = tree / f"pkg{i % 50:02d}" / f"mod{(i // 50) % 40:02d}"
        d.mkdir(parents=True, exist_ok=True)
        text = templates[kind].format(i=i, b=rng.randint(8, 512))
        text = text * rng.randint(1, 4)
        if i % hit_every == 0:
            kind, line = HITS[(i // hit_every) % len(HITS)]
            text = templates[kind].format(i=i, b=8) + line
            planted += 1
        (d / f"file{i}.{kind}").write_text(text)
    ignored = tree / "build"
    ignored.mkdir(exist_ok=True)
    (ignored / "gen.py").write_text('m = AutoModel.from_pretrained("org/ignored")\n')
    (tree / ".gitignore").write_text("build/\n")
    return planted


def timed(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--hit-every", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--bin", type=Path)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rg = shutil.which("rg")
    if not rg:
        sys.exit("ripgrep (rg) is needed: apt-get install ripgrep")
    binary = args.bin or build()
    if not binary.exists():
        sys.exit(f"{binary} does not exist")
    work = args.keep or Path(tempfile.mkdtemp(prefix="modellock-audit-bench-"))
    tree = work / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    log(f"generating {args.files} files in {tree}...")
    planted = generate(tree, args.files, args.hit_every, 42)
    env = dict(os.environ, NO_COLOR="1")
    manifest = work / "no-manifest" / "models.toml"

    # correctness: every planted reference is found, the ignored one is not
    out = subprocess.run(
        [str(binary), "--manifest-path", str(manifest), "--format", "json", "audit", str(tree)],
        stdout=subprocess.PIPE, env=env, text=True,
    )
    doc = json.loads(out.stdout)
    found = len(doc["findings"])
    if found != planted or "org/ignored" in out.stdout:
        sys.exit(f"audit found {found} references, {planted} were planted")
    log(f"audit finds all {planted} planted references in {doc['walk']['files']} files")

    cmds = {
        "rg -n 'meta-llama|Qwen/|ollama pull'": [rg, "-n", "meta-llama|Qwen/|ollama pull", str(tree)],
        "modellock audit": [str(binary), "--manifest-path", str(manifest), "audit", str(tree)],
        "modellock audit --format json": [str(binary), "--manifest-path", str(manifest), "--format", "json", "audit", str(tree)],
    }
    for c in cmds.values():  # warm the page cache
        timed(c, env)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(args.repeat):
        for k, c in cmds.items():
            times[k].append(timed(c, env))
    base = min(times["rg -n 'meta-llama|Qwen/|ollama pull'"])
    results = {
        k: {"min": min(v), "median": statistics.median(v), "ratio": min(v) / base}
        for k, v in times.items()
    }
    if args.json:
        print(json.dumps({"files": args.files, "planted": planted, "cpus": os.cpu_count(), "results": results}, indent=2))
    else:
        print(f"{args.files} files, {planted} references, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
        print(f"{'command':<34} {'min s':>8} {'median s':>9} {'ratio':>7}")
        for k, r in results.items():
            print(f"{k:<34} {r['min']:>8.3f} {r['median']:>9.3f} {r['ratio']:>6.2f}x")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
