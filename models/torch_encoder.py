"""The same MiniLM weights run by sentence-transformers on a torch device (``pmreview[torch]``).

Why this exists: the numpy encoder is compute-bound at about 20 documents a second, which is
fine for a draft and for a team's corpus, and slow for an index of tens of thousands of
postmortems. On a GPU, sentence-transformers embeds the same weights hundreds of times faster.
Its vectors equal the numpy encoder's within float16 tolerance (the index stores float16), so
an index built here is queried by the numpy encoder as if it had built it: both carry the
same ``name``. Only ``corpus index --device`` imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from reviewer.models.embedder import MiniLMEncoder, model_path

__all__ = ["TorchEncoder", "TorchUnavailable"]


class TorchUnavailable(RuntimeError):
    """The torch extra is not installed, or the device asked for is not there."""


class TorchEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers on ``device`` ("cuda", "cuda:1", "mps", "cpu")."""

    name = MiniLMEncoder.name
    dim = MiniLMEncoder.dim

    def __init__(self, device: str) -> None:
        # offline, and quiet: the weights are local and the progress bars would garble the CLI's stderr
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise TorchUnavailable(
                f"--device {device} runs sentence-transformers, which comes with the torch extra: "
                "pip install 'pmreview[torch]'"
            ) from exc
        kind = device.split(":", 1)[0]
        if kind == "cuda" and not torch.cuda.is_available():
            raise TorchUnavailable(f"--device {device}: torch {torch.__version__} sees no CUDA device")
        if kind == "mps" and not torch.backends.mps.is_available():
            raise TorchUnavailable(f"--device {device}: torch {torch.__version__} sees no MPS device")
        try:
            self._model = SentenceTransformer(str(model_path()), device=device, local_files_only=True)
        except (RuntimeError, ValueError) as exc:  # an unknown device name, a device that failed
            raise TorchUnavailable(f"--device {device}: {exc}") from exc
        self.device = device

    def encode(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        """Embed ``texts``; float32 (len(texts), 384), rows unit-norm, like ``MiniLMEncoder.encode``."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a single str")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
