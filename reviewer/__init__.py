"""pmreview: an NLP-assisted reviewer for incident postmortems."""

__version__ = "0.1.0"
