"""``recurrence``: contributing factors that match past incidents in the team's corpus.

Runs only when a corpus index is available (``--corpus`` or ``corpus`` in config); the
engine hands the loaded matcher in through the context, so the model and the index are
loaded once for all files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from reviewer.kinds.base import Context, Hit, Kind
from reviewer.markdown import Document


class Recurrence(Kind):
    keys: ClassVar[dict[str, bool]] = {"threshold": False}
    document_scope: ClassVar[bool] = True
    needs_corpus: ClassVar[bool] = True

    def wants(self, sent, ctx) -> bool:
        return False

    def check(self, sent, ctx) -> Iterable[Hit]:
        return ()

    def check_document(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        if ctx.matcher is None:
            return
        from reviewer.factors import factors
        from reviewer.recurrence import DEFAULT_THRESHOLD, incidents

        found = factors(doc)
        if not found:
            return
        threshold = (
            ctx.recurrence_threshold
            if ctx.recurrence_threshold is not None  # 0 is a threshold too: report every best match
            else float(self.rule.options.get("threshold", DEFAULT_THRESHOLD))
        )
        exclude = {ctx.corpus_relpath(doc.source.path) or "", _sha(doc)}
        texts = [f.clean for f in found]
        if not ctx.matcher.factor:
            return
        scores = ctx.matcher.scores(texts, exclude)  # one pass: the factor matches and the incident ranking
        results = ctx.matcher.top(scores, 3)
        ranked = None  # the closest past incidents, computed once a finding needs them
        for factor, matches in zip(found, results, strict=True):
            if not matches or matches[0].score < threshold:
                continue
            best = matches[0]
            if _acknowledged(factor.text, best.doc):
                continue  # the draft already says which earlier incident this repeats
            actions = best.doc.actions
            open_n = sum(1 for a in actions if a.get("status") != "done")
            done_n = len(actions) - open_n
            weakness = f" — same weakness: {best.shared_weakness}" if best.shared_weakness else ""
            if ranked is None:
                ranked = [
                    {k: i[k] for k in ("path", "title", "date", "score", "passes_threshold", "shared_factors")}
                    for i in incidents(ctx.matcher, texts, _profile(doc), exclude, threshold, 3, scores=scores)
                ]
            yield Hit(
                factor.start,
                factor.end
                if "\n" not in doc.source.text[factor.start : factor.end]
                else doc.source.text.index("\n", factor.start),
                values={
                    "title": best.doc.title,
                    "date": best.doc.date or "undated",
                    "factor": best.factor["text"][:120],
                    "path": best.doc.path,
                    "line": str(best.factor["line"]),
                    "open": str(open_n),
                    "done": str(done_n),
                    "weakness": weakness,
                    "score": f"{best.score:.2f}",
                },
                data={
                    "recurrence": {
                        "title": best.doc.title,
                        "date": best.doc.date,
                        "path": best.doc.path,
                        "factor": best.factor["text"],
                        "line": best.factor["line"],
                        "weakness": best.shared_weakness,
                        "score": round(float(best.score), 4),
                        "open": open_n,
                        "done": done_n,
                        "incidents": ranked,  # the draft's closest past incidents, ranked as `match` ranks them
                    }
                },
            )


ACKNOWLEDGED = re.compile(r"\brecurr|\bsame (?:weakness|factor|issue|cause) as\b|\bas in (?:INC|incident)\b", re.I)


def _acknowledged(text: str, past) -> bool:
    stem = past.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    ident = str(getattr(past, "id", "") or "")
    return bool(ACKNOWLEDGED.search(text)) or stem in text or bool(ident and ident in text)


def _profile(doc: Document) -> str:
    """The draft as a whole (title, summary and factors), as the index stores each past incident."""
    from reviewer.factors import incident

    return incident(doc, str(doc.source.path or "")).profile


def _sha(doc: Document) -> str:
    import hashlib

    return hashlib.sha256(doc.source.text.encode("utf-8")).hexdigest()
