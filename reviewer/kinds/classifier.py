"""``classifier``: person-centred framing that no lexicon names, decided by a trained model.

Only sentences whose parse has a person, a role, a team or an @handle as the subject
of a verb are candidates, and only when no other rule of the families in
``defer_to`` flagged the sentence. The sentence embedding (MiniLM, numpy) goes
through a logistic regression trained on project data (``models/``); the finding
points at the person and the verb they are the subject of, so it still explains
itself: "<agent> <verb>" is what the sentence is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from reviewer.kinds.base import Context, Hit, Kind, compile_pattern
from reviewer.people import Agent, subject_of
from reviewer.sentences import Sentence


class Classifier(Kind):
    keys: ClassVar[dict[str, bool]] = {"model": True, "cue": True, "defer_to": False, "min_words": False}
    needs_parse: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        o = rule.options
        self.model_name = str(o["model"])
        self.set_prefilter(compile_pattern(self, o["cue"], "cue").pattern)
        self.defer_to = tuple(o.get("defer_to", []))
        self.min_words = int(o.get("min_words", 5))

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return len(sent.text.split()) >= self.min_words and bool(self.prefilter.search(sent.text))

    def _agent(self, sent: Sentence, ctx: Context) -> tuple[Agent, object] | None:
        doc = sent.parsed
        if doc is None:
            return None
        for tok in doc:
            if tok.pos_ != "VERB" or tok.dep_ not in ("ROOT", "conj", "relcl", "advcl", "ccomp"):
                continue
            subj = subject_of(tok)
            if subj is None or subj.lower_ in ("we", "us", "i"):
                continue
            agent = ctx.people.classify(subj, sent)
            if agent is not None:
                return agent, tok
        return None

    def prepare(self, sentences: list[Sentence], ctx: Context) -> None:
        """Embed every candidate with a person agent in one batch."""
        from reviewer.models.embedder import get_encoder
        from reviewer.models.linear import load_named

        todo = [s for s in sentences if self._agent(s, ctx) is not None]
        if not todo:
            return
        model = load_named(self.model_name)
        vectors = get_encoder().encode([re.sub(r"\s+", " ", s.nlp_text).strip() for s in todo])
        # scores live in the per-file context: sentence ids are only unique while the file is reviewed
        for s, p in zip(todo, model.probability(vectors), strict=True):
            ctx.memo[(self.rule.code, id(s))] = float(p)
        ctx.memo[(self.rule.code, "threshold")] = model.threshold

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        score = ctx.memo.get((self.rule.code, id(sent)))
        if score is None or score < ctx.memo.get((self.rule.code, "threshold"), 1.0):
            return
        found = self._agent(sent, ctx)
        if found is None:
            return
        agent, verb = found
        verb_start, verb_end = sent.span(verb)
        start, end = min(agent.start, verb_start), max(agent.end, verb_end)
        yield Hit(start, end, values={"agent": agent.text, "verb": verb.text, "score": f"{score:.2f}"})
