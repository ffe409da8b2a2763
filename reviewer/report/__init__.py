"""`pmreview report`: what keeps coming back across a corpus of postmortems.

The data (``reviewer.report.data.compute``) is one JSON-ready dict, the contract in
docs/report.md; the HTML page (``reviewer.report.html.render``) and ``--format json`` both
print it. Modules:

    data.py      orchestration: index, review, clusters, periods -> the contract dict
    corpus.py    the corpus: the index kept fresh, one review pass (quality, action items), dates
    clusters.py  recurring factor clusters: embeddings + agglomerative clustering per weakness
    naming.py    cluster names (class-based TF-IDF) and representatives (medoids)
    periods.py   month / quarter / year buckets
    follow.py    action-item follow-through: coverage, completion, overdue
    cli.py       the click command

Importing this package is cheap on purpose: the HTML module imports it, and the command
line imports nothing heavy until the command runs.
"""
