"""Model inference helpers (numpy-only embedders)."""
