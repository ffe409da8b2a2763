"""``cause-framing``: text that names *the* cause of an incident, read from the parse.

"The root cause was…", "We identified X as the primary cause", "the ultimate cause of
all of this", "the real problem was that…", "was ultimately caused by", a `Root Cause`
heading: each frames an incident as having one cause, where contributing factors belong.
The same words also name an activity ("root cause analysis", "to find the root cause"),
a hypothesis among several ("a potential cause"), a part ("a contributing cause", "the
direct cause of the pod growth"), or a cause still unknown; those are left alone. What
decides is the noun ``cause`` (or a qualified ``problem``/``issue``/``error``) and its
place in the parse, so the wording can vary as writers vary it.

The vocabulary is data (``rules/lexicons/causes.yml``); ``hedged`` picks the hedged forms ("is believed to
be the root cause", "probably the cause"), reported apart at a lower severity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from reviewer.findings import Suggestion
from reviewer.kinds.base import Context, Hit, Kind, inside, quoted_spans
from reviewer.resources import lexicon_dir
from reviewer.rewrite import at_sentence_start
from reviewer.ruleset import read_yaml
from reviewer.sentences import Sentence

if TYPE_CHECKING:
    from spacy.tokens import Token

VOCABULARY = {
    "qualifiers",  # "root cause", "primary cause": the cause, one of a kind
    "partial",  # "contributing cause", "direct cause of X": one link, not the whole story
    "tentative",  # "potential cause", "possible cause": a hypothesis
    "incident_nouns",  # "the cause of the outage" (vs "the cause of the drop in traffic": a symptom)
    "activity_nouns",  # "root cause analysis"
    "seek_verbs",  # "to find / investigate the root cause": the search, not a claim
    "hedges",  # "believed", "probably": hedged framing
    "unknown",  # "the root cause is unknown"
    "settled",  # "the root cause was not clear / not known yet"
    "solely",  # "was ultimately caused by"
    "other_heads",  # "the real problem was that…"
    "other_qualifiers",
    "one_thing",  # "everything traces back to one thing"
    "trace_verbs",
    "explains",  # not for RC: word starts that make a sentence explain why (factors.py reads them)
}
HEADING_MARKUP = re.compile(r"[#*_`:]+")


@cache
def vocabulary() -> dict[str, set[str]]:
    """The word lists of ``rules/lexicons/causes.yml``, checked: exactly the lists named above."""
    from reviewer.ruleset import RuleError

    path = lexicon_dir() / "causes.yml"
    data = read_yaml(path)
    if not isinstance(data, dict) or set(data) != VOCABULARY:
        raise RuleError(f"{path}: needs exactly the word lists {sorted(VOCABULARY)}")
    return {k: {str(w).lower() for w in v} for k, v in data.items()}


COMPARATIVE = {"same", "different", "another", "other"}


class CauseFraming(Kind):
    keys: ClassVar[dict[str, bool]] = {"headings": True, "hedged": False, "replace": False}
    needs_parse: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        self.words = vocabulary()
        try:
            self.headings = re.compile(rf"(?:{rule.options['headings']})\Z", re.I)
        except re.error as exc:
            raise self.error(f"headings is not a valid regular expression: {exc}") from None
        self.hedged = bool(rule.options.get("hedged", False))
        self.replace = rule.options.get("replace")
        others = "|".join(sorted(self.words["other_heads"]))
        quals = "|".join(sorted(self.words["other_qualifiers"]))
        self.set_prefilter(
            rf"\b(?:root[- ])?causes?\b|\bcaused\b|\bRCA\b|\b(?:{quals})\W+(?:\w+\W+)?(?:{others})\b"
            r"|\b(?:one|a single|a sole) (?:thing|mistake|change|problem|factor|bug|decision)\b"
        )

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return bool(self.prefilter.search(sent.text))

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        if sent.block.kind == "heading":
            yield from self._heading(sent)
            return
        doc = sent.parsed
        if doc is None:
            return
        quoted = quoted_spans(sent.text)
        words = {t.lower_ for t in doc}
        hedged = bool(self.words["hedges"] & (words | {t.lemma_.lower() for t in doc}))
        if hedged != self.hedged:
            return
        for tok in doc:
            if inside(quoted, tok.idx, tok.idx + len(tok.text)):
                continue
            phrase = self._framing(tok)
            if phrase is None:
                continue
            start, end = sent.span(phrase[0])[0], sent.span(phrase[-1])[1]
            yield Hit(start, end, suggestions=self._suggestion(sent, tok, phrase))

    # -- what frames one cause -------------------------------------------------------------

    def _framing(self, tok: Token) -> list[Token] | None:
        """The tokens to underline when ``tok`` heads a single-cause framing, else None."""
        w = self.words
        low = tok.lower_
        if tok.pos_ in ("NOUN", "PRON") and low in w["one_thing"] and tok.dep_ == "pobj":
            traced = self._one_thing(tok)
            if traced is not None:
                return traced
        if tok.pos_ == "VERB" and tok.lemma_.lower() == "cause":
            solely = next((c for c in tok.children if c.dep_ == "advmod" and c.lower_ in w["solely"]), None)
            return sorted([solely, tok], key=lambda t: t.i) if solely is not None else None
        if low == "rca":  # "RCA: …" as a label; "the RCA document", "see the RCA" name the report
            return [tok] if _label(tok) else None
        if tok.pos_ not in ("NOUN", "PROPN") or tok.dep_ == "compound":
            return None
        mods = {c.lower_ for c in tok.children if c.dep_ in ("amod", "compound", "nmod", "advmod")}
        if low in w["other_heads"]:
            return self._other(tok, mods)
        if low not in ("cause", "root-cause"):
            return None
        if (w["partial"] | w["tentative"]) & mods:
            return None
        if tok.head.lower_ in w["activity_nouns"] and tok.head.i > tok.i:
            return None
        after = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        if after is not None and after.lower_ in w["activity_nouns"]:
            return None  # "a root cause analysis" even where the parse makes 'analysis' a second object
        qualified = low == "root-cause" or bool(w["qualifiers"] & mods)
        of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("of", "for", "behind")), None)
        of_object = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if not qualified:
            # "the cause of the outage", "this node was the cause"; not "the cause of the drop in traffic"
            if of_object is not None and of_object.lower_ not in w["incident_nouns"]:
                return None
            if of_object is None and tok.dep_ not in ("attr", "nsubj", "nsubjpass"):
                return None
        if self._denied(tok) or self._unsettled(tok) or self._sought(tok, claimed=qualified):
            return None
        return self._noun_phrase(tok)

    @staticmethod
    def _denied(tok: Token) -> bool:
        """ "There was no single root cause", "it was not a single cause": the framing, rejected."""
        if any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in tok.children):
            return True
        return tok.dep_ == "attr" and any(c.dep_ == "neg" for c in tok.head.children)

    def _one_thing(self, tok: Token) -> list[Token] | None:
        """ "Everything traces back to one thing", "it all comes down to a single mistake"."""
        one = any(c.lower_ in ("one", "single", "sole") for c in tok.children if c.dep_ in ("nummod", "amod", "det"))
        prep = tok.head
        verb = prep.head if prep.dep_ == "prep" else None
        while verb is not None and verb.dep_ in ("prt", "advmod", "prep") and verb.head is not verb:
            verb = verb.head
        if not one or verb is None or verb.lemma_.lower() not in self.words["trace_verbs"]:
            return None
        return list(tok.doc[verb.i : tok.i + 1])

    def _other(self, tok: Token, mods: set[str]) -> list[Token] | None:
        """ "The real problem was that…", "the underlying issue is identified", "**The underlying issue**:"."""
        if not (self.words["other_qualifiers"] & mods) or self.words["partial"] & mods:
            return None
        if tok.dep_ not in ("nsubj", "nsubjpass", "attr", "ROOT", "appos"):
            return None
        head = tok.head
        if (
            tok.dep_ == "nsubj"
            and head.lemma_ == "be"
            and not any(c.dep_ in ("attr", "ccomp", "acomp", "oprd", "advcl") and c.i > head.i for c in head.children)
        ):
            return None  # "the real error is from the database layer": where a message came from
        return self._noun_phrase(tok)

    def _unsettled(self, tok: Token) -> bool:
        """ "The root cause is still unknown", "was not clear yet" (but "was not identified until …" is a claim)."""
        verb = tok.head if tok.dep_ in ("nsubj", "nsubjpass") else None
        if verb is None:
            return False
        complements = {c.lower_ for c in verb.children if c.dep_ in ("acomp", "attr", "oprd")} | {verb.lower_}
        if self.words["unknown"] & complements:
            return True
        negated = any(c.dep_ == "neg" for c in verb.children)
        until = any(t.lower_ == "until" for t in verb.subtree)
        return negated and not until and bool(self.words["settled"] & complements)

    def _sought(self, tok: Token, claimed: bool) -> bool:
        """Searching for a cause is not claiming one: "to find the root cause", "investigate the root cause".

        "We identified X as the root cause" and "the root cause was found" do claim one;
        "we identified the cause of the problem", with no word making it *the* one cause,
        is the diagnosis told (``claimed`` is False), whatever the tense.
        """
        if tok.head.lower_ == "as":
            return False
        verb = tok.head
        while verb.dep_ in ("prep", "pobj", "conj", "appos") and verb.head is not verb:
            verb = verb.head
        if verb.lemma_.lower() not in self.words["seek_verbs"]:
            return False
        if not claimed:
            return True
        infinitive = any(c.lower_ == "to" and c.dep_ == "aux" for c in verb.children)
        imperative = verb.tag_ == "VB" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
        progressive = verb.tag_ == "VBG"
        return infinitive or imperative or progressive or verb.tag_ in ("VB", "VBP", "VBZ")

    @staticmethod
    def _noun_phrase(tok: Token) -> list[Token]:
        """The noun phrase up to its head: "The primary root cause", "Underlying issue"."""
        left = min(
            (
                c
                for c in tok.children
                if c.i < tok.i and c.dep_ in ("det", "amod", "compound", "nmod", "poss", "advmod")
            ),
            key=lambda c: c.i,
            default=tok,
        )
        return list(tok.doc[left.i : tok.i + 1])

    # -- headings ----------------------------------------------------------------------------

    def _heading(self, sent: Sentence) -> Iterable[Hit]:
        if self.hedged:
            return
        text = " ".join(HEADING_MARKUP.sub(" ", sent.text).split())
        if self.headings.match(text):
            yield Hit(
                sent.start, sent.end, suggestions=[Suggestion("Contributing factors", sent.start, sent.end, safe=True)]
            )

    # -- the rewrite, where it is safe -----------------------------------------------------------

    def _suggestion(self, sent: Sentence, tok: Token, phrase: list[Token]) -> list[Suggestion]:
        """ "One contributing factor" for the noun phrase, when the sentence stays grammatical:
        the phrase is a plain subject or an "as …" complement, and nothing else leans on "the"."""
        if self.replace is None:
            return []
        start, end = sent.span(phrase[0])[0], sent.span(phrase[-1])[1]
        # a capital where the sentence starts, or where the writer put one ("… 1 s. The root cause"
        # after an abbreviation-like stop the splitter did not break at)
        capital = at_sentence_start(sent, start) or phrase[0].text[:1].isupper()
        if _label(tok) and capital:  # "Root cause: …", "RCA - …": a label, replaced whole
            text = "contributing factors" if tok.lower_ == "rca" else self.replace
            return [Suggestion((text[0].upper() if capital else text[0]) + text[1:], start, end, safe=True)]
        if tok.lower_ not in ("cause", "root-cause") or tok.pos_ != "NOUN":
            return []
        if tok.dep_ not in ("nsubj", "pobj", "attr") or (tok.dep_ == "pobj" and tok.head.lower_ != "as"):
            return []
        if any(c.dep_ == "prep" and c.lower_ not in ("of", "for") for c in tok.children):
            return []
        if any(c.lower_ in COMPARATIVE for c in tok.children):
            return []  # "another root cause than in June", "the same root cause as October 21"
        of = next((c for c in tok.children if c.dep_ == "prep"), None)
        text = self.replace
        if of is not None:  # "The root cause of the outage was" -> "One contributing factor in the outage was"
            end = sent.span(of)[1]
            text += " in"
        text = (text[0].upper() if capital else text[0].lower()) + text[1:]
        return [Suggestion(text, start, end, safe=True)]


def _label(tok: Token) -> bool:
    """A label ("Root cause: …", "RCA - …", "| Root cause | … |"): the phrase ends where a colon,
    a dash or the cell does."""
    if tok.i + 1 == len(tok.doc):
        return tok.dep_ == "ROOT"
    return tok.nbor(1).text in (":", "-", "—", "–", "|")
