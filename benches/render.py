#!/usr/bin/env python3
"""Benchmark the human rendering of many findings: time must grow linearly.

`check` renders every finding with a snippet of models.toml. miette's own
reader of a byte slice scans the file from its start for every label, which
made a report of 1,000 findings 14× slower than one of 250 (quadratic);
modellock gives the renderer a line index. This script generates manifests
of N entries, each with one misspelt key (`licence`, a `manifest::unknown-key`
error with a snippet), runs `modellock check` (human output) on each, and
prints the best of several runs per N and the ratio to N = 250. The target
is about 4x for 1,000 findings (linear), against the 250-finding run of the
same binary.

It exits non-zero only on an error (a failed build, an unexpected exit
status), never because of a timing. Standard library only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def manifest(n: int) -> str:
    out = ["[policy]\nallow = [\"mit\"]\n"]
    for i in range(n):
        out.append(f"\n# model {i}\n[models.m{i}]\nsource = \"path:models/m{i}\"\nlicence = \"mit\"\n")
    return "".join(out)


def best(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        if r.returncode != 2:
            sys.exit(f"unexpected exit status {r.returncode} from {cmd}")
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="modellock binary (default: build the release one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="250,500,1000,2000")
    args = ap.parse_args()
    binary = args.bin
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO_ROOT, check=True)
        binary = str(REPO_ROOT / "target" / "release" / "modellock")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            path = Path(d) / f"{n}" / "models.toml"
            path.parent.mkdir()
            path.write_text(manifest(n))
            cmd = [binary, "--color", "never", "--manifest-path", str(path), "check"]
            results[n] = best(cmd, args.runs)
    base = results[sizes[0]]
    print(f"{'findings':>9} {'best of ' + str(args.runs):>12} {'ratio to ' + str(sizes[0]):>14}")
    for n in sizes:
        print(f"{n:>9} {results[n] * 1000:>10.1f} ms {results[n] / base:>13.2f}x")


if __name__ == "__main__":
    main()
