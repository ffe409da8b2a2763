"""What `pip install .` costs a new user: wall time, venv size and what it pulled in; prints numbers.

    python benchmarks/bench_install.py [--python 3.11 3.13] [--extra torch]

Each run makes a fresh venv with that Python (found on PATH as pythonX.Y, or under pyenv),
installs this checkout with pip as configured on the machine (no cache, so every wheel is
fetched or unpacked as on a CI runner), and prints the time, the venv's size, its largest
packages, and whether torch, triton or any nvidia package came in. Then it reviews the
example draft with the installed command, to show the install works. Targets (issue 14):
no torch, no CUDA package, venv ≤ 800 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "triton", "nvidia", "sentence_transformers", "transformers")


def interpreter(version: str) -> str:
    for candidate in (
        shutil.which(f"python{version}"),
        str(Path.home() / ".pyenv" / "versions" / version / "bin" / "python"),
        *sorted(str(p) for p in (Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python")),
    ):
        if not candidate or not Path(candidate).is_file():
            continue
        # a pyenv shim exists for versions that are not selected, and then fails: run it to know
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True
        )
        if probe.returncode == 0 and probe.stdout.decode().strip() == version:
            return candidate
    sys.exit(f"no python{version} here")


def size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def bench(version: str, extra: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="pmreview-install-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([interpreter(version), "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        target = f".[{extra}]" if extra else "."
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        start = time.perf_counter()
        proc = subprocess.run(
            [python, "-m", "pip", "install", "-q", target], cwd=ROOT, env=env, capture_output=True, text=True
        )
        took = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"pip install {target} failed on {version}:\n{proc.stderr[-2000:]}")
        site = next((venv / "lib").glob("python*/site-packages"))
        total = size(venv)
        packages = sorted(
            ((size(p), p.name) for p in site.iterdir() if p.is_dir() and not p.name.endswith(".dist-info")),
            reverse=True,
        )
        heavy = sorted({p.name for p in site.iterdir() if p.name.lower().startswith(HEAVY)})
        review = subprocess.run(
            [venv / "bin" / "pmreview", "review", "examples/2026-11-03-checkout-draft.md", "--no-cache", "-q"],
            cwd=ROOT,
            env={**env, "HF_HUB_OFFLINE": "1"},
            capture_output=True,
            text=True,
        )
        label = f"python {version}, pip install {target}"
        print(f"{label}")
        print(f"  wall time      {took:7.1f} s")
        print(f"  venv size      {total / 2**20:7.0f} MB")
        print(f"  largest        {', '.join(f'{n} {s / 2**20:.0f} MB' for s, n in packages[:6])}")
        print(f"  heavy packages {', '.join(heavy) or 'none'}")
        print(f"  review works   {'yes' if review.returncode in (0, 1) else 'NO: ' + review.stderr[-300:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", nargs="+", default=["3.11", "3.13"], help="Python versions to try")
    parser.add_argument("--extra", help="also install this extra (e.g. torch)")
    args = parser.parse_args()
    for version in args.python:
        bench(version, args.extra)


if __name__ == "__main__":
    main()
