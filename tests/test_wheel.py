"""The built wheel works on its own: rules, lexicons, weights and the CLI come from the install.

The wheel is installed with ``--no-deps`` into a fresh venv whose dependencies are those of
the environment running the tests, whatever that is (the system Python, a user's venv, CI's
3.13 venv): a .pth file in the new venv lists the test interpreter's site-packages folders.
A venv made with ``--system-site-packages`` would see the *base* interpreter instead, which
in a fresh user venv has none of pmreview's dependencies. Plain folder lines in a .pth are
added to sys.path after the venv's own site-packages, and the .pth files inside them (such as
the editable install's, which puts the checkout on sys.path) are not run, so the installed
wheel is what gets imported; the test checks that rather than assuming it.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

FIXTURE = "# Incident 12\n\n## Summary\n\nThis was human error.\n\n## Questions\n\nWho approved this change?\n"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env["NO_COLOR"] = "1"
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv dir, a working directory outside the checkout) with the freshly built wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    dist, env_dir, work = base / "dist", base / "venv", base / "work"
    work.mkdir()
    build = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist], cwd=ROOT)
    assert build.returncode == 0, build.stdout + build.stderr
    wheels = sorted(dist.glob("pmreview-*.whl"))
    assert len(wheels) == 1, wheels
    made = _run([sys.executable, "-m", "venv", "--without-pip", env_dir], cwd=base)
    assert made.returncode == 0, made.stderr
    python = env_dir / "bin" / "python"
    _see_dependencies_of_this_environment(python)
    # pip comes from this environment's site-packages and installs into the venv's prefix.
    pip = _run([python, "-m", "pip", "install", "--no-deps", "--force-reinstall", "--no-index", wheels[0]], cwd=base)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (env_dir / "bin" / "pmreview").exists()
    return env_dir, work


def _site_folders() -> list[str]:
    """The site-packages folders of the interpreter running the tests (its venv's and, where
    that venv includes system site-packages, the base interpreter's), outside the checkout."""
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    root = ROOT.resolve()
    return [
        f
        for f in dict.fromkeys(folders)
        if Path(f).is_dir() and root not in Path(f).resolve().parents and Path(f).resolve() != root
    ]


def _see_dependencies_of_this_environment(python: Path) -> None:
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=ROOT).stdout.strip()
    Path(purelib).mkdir(parents=True, exist_ok=True)
    (Path(purelib) / "zz_test_environment.pth").write_text("\n".join(_site_folders()) + "\n", encoding="utf-8")


def test_venv_sees_this_environment_not_the_base_interpreter(venv: tuple[Path, Path]) -> None:
    """A dependency is found in the test's own site-packages, not through the base interpreter."""
    env_dir, work = venv
    proc = _run([env_dir / "bin" / "python", "-c", "import markdown_it, sys; print(markdown_it.__file__)"], cwd=work)
    assert proc.returncode == 0, proc.stderr
    found = Path(proc.stdout.strip()).resolve()
    assert any(Path(f).resolve() in found.parents for f in _site_folders()), found


def test_module_comes_from_the_venv(venv: tuple[Path, Path]) -> None:
    env_dir, work = venv
    code = (
        "import reviewer, sys; from reviewer.resources import rules_dir; print(reviewer.__file__); print(rules_dir())"
    )
    proc = _run([env_dir / "bin" / "python", "-c", code], cwd=work)
    assert proc.returncode == 0, proc.stderr
    module, rules = (Path(line) for line in proc.stdout.splitlines())
    site = env_dir.resolve() / "lib"
    assert site in module.resolve().parents, module
    assert ROOT.resolve() not in module.resolve().parents
    # The rule files are real copies inside the installed package, not links back to the checkout.
    assert site in rules.resolve().parents, rules
    assert ROOT.resolve() not in rules.resolve().parents
    assert any(rules.rglob("BL001-*.yml"))


def test_installed_cli_reviews_a_file(venv: tuple[Path, Path]) -> None:
    env_dir, work = venv
    fixture = work / "incident.md"
    fixture.write_text(FIXTURE, encoding="utf-8")
    proc = _run([env_dir / "bin" / "pmreview", "review", fixture, "--format", "json"], cwd=work)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    found = {(f["code"], f["line"]) for f in data["findings"]}
    assert ("BL001", 5) in found
    assert ("QU001", 9) in found
    assert all(f["path"] == str(fixture) for f in data["findings"])


def test_installed_rule_page(venv: tuple[Path, Path]) -> None:
    env_dir, work = venv
    proc = _run([env_dir / "bin" / "pmreview", "rule", "RC001"], cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# single-root-cause (RC001)")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in proc.stdout


def test_installed_report_renders_html(venv: tuple[Path, Path]) -> None:
    """The report needs the packaged templates, the category model and the example corpus."""
    env_dir, work = venv
    code = "from reviewer.resources import corpus_dir; print(corpus_dir() / 'examples')"
    corpus = Path(_run([env_dir / "bin" / "python", "-c", code], cwd=work).stdout.strip())
    assert (env_dir.resolve() / "lib") in corpus.resolve().parents
    out = work / "report.html"
    proc = _run(
        [
            env_dir / "bin" / "pmreview",
            "report",
            corpus,
            "--out",
            out,
            "--as-of",
            "2026-11-22",
            "--index-dir",
            work / "index",
            "--cache-dir",
            work / "cache",
        ],
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and html.count("<svg") >= 3
