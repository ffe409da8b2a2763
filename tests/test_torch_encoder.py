"""``corpus index --device``: the torch extra's sentence-transformers path builds the same index.

The CPU device stands in for a GPU here (no machine running these tests has one); the code
path is the same, and the vectors must match the numpy encoder's within the float16 the index
stores. Without the extra, the option fails with advice, never a traceback.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from reviewer.recurrence import index_path, load
from reviewer.resources import corpus_dir


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "examples"
    shutil.copytree(corpus_dir() / "examples", root, ignore=shutil.ignore_patterns(".pmreview"))
    return root


def test_a_torch_device_builds_the_index_the_numpy_encoder_builds(cli, corpus, tmp_path) -> None:
    pytest.importorskip("sentence_transformers", reason="needs the torch extra: pip install -e '.[test,torch]'")
    numpy_dir, torch_dir = tmp_path / "numpy", tmp_path / "torch"
    assert cli("corpus", "index", corpus, "--index-dir", numpy_dir).exit_code == 0
    result = cli("corpus", "index", corpus, "--index-dir", torch_dir, "--device", "cpu")
    assert result.exit_code == 0, result.output
    a, b = load(index_path(corpus, numpy_dir)), load(index_path(corpus, torch_dir))
    assert a.model == b.model
    assert [d.path for d in a.docs] == [d.path for d in b.docs]
    assert a.vectors.shape == b.vectors.shape and a.vectors.shape[0] > 0
    assert np.abs(a.vectors - b.vectors).max() < 2e-3  # float16 steps near 0.1-0.3 are 1e-4-2e-4
    # and the numpy encoder takes the torch-built index as its own: an update re-embeds nothing
    again = cli("corpus", "index", corpus, "--index-dir", torch_dir)
    assert again.exit_code == 0 and f"0 added, 0 updated, {len(a.docs)} unchanged" in again.output


def test_an_absent_device_fails_with_the_reason(cli, corpus, tmp_path) -> None:
    torch = pytest.importorskip("torch", reason="needs the torch extra")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    result = cli("corpus", "index", corpus, "--index-dir", tmp_path / "i", "--device", "cuda")
    assert result.exit_code == 2
    assert result.stderr == f"pmreview: error: --device cuda: torch {torch.__version__} sees no CUDA device\n"
    assert not index_path(corpus, tmp_path / "i").exists()


def test_without_the_torch_extra_device_says_how_to_get_it(cli, corpus, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails as if not installed
    result = cli("corpus", "index", corpus, "--index-dir", tmp_path / "i", "--device", "cuda")
    assert result.exit_code == 2
    assert "pip install 'pmreview[torch]'" in result.stderr
    assert "Traceback" not in result.output
