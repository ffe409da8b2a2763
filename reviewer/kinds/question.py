"""``question``: questions that look for a person instead of a condition.

Two targets, both read off the parse of a sentence that ends with "?":

* ``who``: "who"/"whose"/"which engineer" as the agent of a past action or of a
  judgement ("who approved…", "whose change…", "which team is to blame"); "who was
  affected", "who is on call next week" and "who owns this going forward" are not.
* ``person-subject``: a why/how/what or rhetorical yes/no question whose subject is a
  person ("why didn't you roll back", "how did Sam not notice", "did anyone actually…").

Each hit carries a systemic rewrite built from the question's own verb and object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from reviewer.findings import Suggestion
from reviewer.inflect import gerund, participle
from reviewer.kinds.base import Context, Hit, Kind, compile_pattern
from reviewer.people import Agent, subject_of
from reviewer.rewrite import at_sentence_start
from reviewer.sentences import Sentence

TARGETS = {"who", "person-subject"}
REWRITE_KEYS = {"when", "verbs", "text"}
WHEN = {"who", "whose", "which", "why", "why-not", "how", "take-time", "think", "polar", "any"}
SAME_FORM_PAST = {"let", "put", "set", "cut", "hit", "shut", "quit", "spread", "read", "cost", "hurt", "burst"}
PARTICLES = {"back", "out", "off", "up", "down", "over", "forward", "through", "in"}
BLAME_WORDS = re.compile(r"\b(?:responsible|accountable|to blame|at fault|culpable|guilty)\b", re.I)


class Question(Kind):
    keys: ClassVar[dict[str, bool]] = {
        "target": True,
        "neutral_verbs": False,
        "exceptions": False,
        "rewrites": True,
        "think_verbs": False,
        "intensifiers": False,
        "passive_blame_participles": False,
    }
    needs_parse: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        o = rule.options
        self.target = o["target"]
        if self.target not in TARGETS:
            raise self.error(f"target must be one of {sorted(TARGETS)}")
        self.neutral = {v.lower() for v in o.get("neutral_verbs", [])}
        self.think = {v.lower() for v in o.get("think_verbs", [])}
        self.intensifiers = {v.lower() for v in o.get("intensifiers", [])}
        # "Why was the impact misjudged?": only a person misjudges, so the passive hides one.
        # Read from the words, not the parse: the small parser often takes the participle for a noun.
        participles = [re.escape(v) for v in o.get("passive_blame_participles", [])]
        self.passive_blame = (
            re.compile(
                r"^\W*(?:why|how)\b[^?]*\b(?:was|were|is|are|got|get|gets|has been|have been|had been)\b[^?]*\b(?:"
                + "|".join(participles)
                + r")\b(?![^?]*\bby\b)",
                re.I,
            )
            if participles
            else None
        )
        self.exceptions = [compile_pattern(self, e, "exception") for e in o.get("exceptions", [])]
        self.rewrites = []
        for r in o["rewrites"]:
            if not isinstance(r, dict) or "text" not in r or set(r) - REWRITE_KEYS or r.get("when", "any") not in WHEN:
                raise self.error(f"a rewrite is {{when: {sorted(WHEN)}, verbs: [...], text: ...}}")
            self.rewrites.append((r.get("when", "any"), {v.lower() for v in r.get("verbs", [])}, r["text"]))
        if self.target == "who":
            words = r"who|whom|whose|which"
        else:
            words = (
                r"why|how|what|did|didn't|does|doesn't|do|don't|was|wasn't|were|weren't|should|shouldn't"
                r"|could|couldn't|can't|is|isn't"
            )
        # a question word with the question mark after it: "was" and "is" alone are in most sentences
        self.set_prefilter(rf"\b(?:{words})\b[^?]*\?")

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return bool(self.prefilter.search(sent.text))

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        doc = sent.parsed
        if doc is None or any(e.search(sent.text) for e in self.exceptions):
            return
        found = self._who(sent, ctx) if self.target == "who" else self._person_subject(sent, ctx)
        if found is None:
            return
        start_tok, when, verb, agent = found
        # the question clause the culprit-seeking part belongs to ("…, and who gave it to them?"),
        # up to its question mark (never one before it: "?:Who …" has none after the wh-word)
        q = sent.text.find("?", start_tok.idx)
        end = sent.end_at(q + 1) if q != -1 else sent.end
        start = sent.at(start_tok.idx)
        at_start = at_sentence_start(sent, start)
        rewrite = self._rewrite(when, verb, agent, at_start)
        suggestions = [Suggestion(rewrite, start, end)] if rewrite else []
        yield Hit(
            start, end, values={"agent": agent.text if agent else "", "wh": start_tok.text}, suggestions=suggestions
        )

    # --- who / whose / which ------------------------------------------------------

    def _who(self, sent: Sentence, ctx: Context):
        doc = sent.parsed
        for tok in doc:
            low = tok.lower_
            if low == "whose" and tok.head.pos_ in ("NOUN", "PROPN"):
                return tok, "whose", tok.head.head if tok.head.head.pos_ in ("VERB", "AUX") else tok.head, None
            if low == "which" and tok.dep_ in ("nsubj", "nsubjpass"):
                # "Which of the developers pushed this?"; "Which on-call missed …" parsed as two subjects
                of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
                pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
                if pobj is None and tok.i + 1 < len(doc) and doc[tok.i + 1].head == tok.head:
                    pobj = doc[tok.i + 1]
                agent = ctx.people.classify(pobj, sent) if pobj is not None else None
                if agent is not None and agent.definite and self._culprit_verb(tok.head, tok):
                    return tok, "which", tok.head, agent
            if low == "which" and tok.dep_ == "det":
                agent = ctx.people.classify(tok.head, sent)
                if agent is not None and agent.definite and self._culprit_verb(tok.head.head, tok.head):
                    return tok, "which", tok.head.head, agent
            if (
                low in ("who", "whom")
                and tok.dep_ == "nsubj"
                and tok.head.dep_ != "relcl"
                and self._culprit_verb(tok.head, tok)
            ):
                return tok, "who", tok.head, None
        return None

    def _culprit_verb(self, verb, subj) -> bool:
        if verb.pos_ not in ("VERB", "AUX"):
            return False
        clause = verb.doc[verb.left_edge.i : verb.right_edge.i + 1].text
        if verb.lemma_ == "be":
            return bool(BLAME_WORDS.search(clause)) or any(c.lower_ == "supposed" for c in verb.children)
        if verb.lemma_.lower() in self.neutral or subj.dep_ == "nsubjpass":
            return False
        if any(c.dep_ == "auxpass" for c in verb.children):
            return False
        auxes = {c.lower_ for c in verb.children if c.dep_ == "aux"}
        if "should" in auxes or "could" in auxes:
            return "have" in auxes
        if auxes & {"will", "would", "can", "'ll", "shall", "may", "might"}:
            return False
        same_form_past = verb.tag_ in ("VB", "VBP") and verb.lemma_.lower() in SAME_FORM_PAST
        return verb.tag_ in ("VBD", "VBN") or "did" in auxes or same_form_past

    # --- why / how / what / rhetorical yes-no --------------------------------------

    def _person_subject(self, sent: Sentence, ctx: Context):
        doc = sent.parsed
        first = next((t for t in doc if not t.is_space and not t.is_punct), None)
        if first is None:
            return None
        for root in [t for t in doc if t.dep_ == "ROOT" or (t.dep_ == "conj" and t.head.dep_ == "ROOT")]:
            wh = next((t for t in doc[: root.i] if t.lower_ in ("why", "how", "what") and t.i < root.i), None)
            neg = any(c.dep_ == "neg" for c in root.children) or any(
                t.lower_ in ("nobody", "noone", "no-one") or (t.lower_ == "one" and t.i and doc[t.i - 1].lower_ == "no")
                for t in doc[: root.i]
            )
            if wh is not None and self.passive_blame is not None and self.passive_blame.search(sent.text):
                return wh, "why", root, Agent("people", sent.start, sent.end, "the people involved")
            subj = subject_of(root)
            if root.lemma_ == "take" and subj is not None and subj.lower_ == "it":
                for c in root.children:
                    if c.dep_ in ("dobj", "dative", "iobj") and c.pos_ in ("PROPN", "PRON", "NOUN"):
                        agent = ctx.people.classify(c, sent)
                        if agent is not None and wh is not None:
                            return wh, "take-time", root, agent
            if subj is None:
                continue
            if (
                wh is not None
                and wh.lower_ == "how"
                and wh.i + 1 < len(doc)
                and doc[wh.i + 1].lower_ in ("many", "much", "often", "far", "soon")
            ):
                continue  # a question about quantity, not about a person
            if subj.dep_ == "nsubjpass" and subj.lower_ in ("they", "them", "it"):
                continue  # "where are they recorded?": things, not people
            agent = self._person(subj, sent, ctx)
            if agent is None:
                continue
            if wh is not None and wh.lower_ in ("why",):
                return wh, "why-not" if neg else "why", root, agent
            # "how did Sam not notice", "how could the on-call miss": accusatory; "how can we" is not
            past = root.tag_ in ("VBD", "VBN") or any(c.lower_ in ("did", "could", "would") for c in root.children)
            if (
                wh is not None
                and wh.lower_ == "how"
                and (neg or past)
                and not any(c.lower_ in ("can", "will", "might", "should") for c in root.children)
            ):
                return wh, "how", root, agent
            if wh is not None and wh.lower_ == "what" and root.lemma_.lower() in self.think:
                return wh, "think", root, agent
            if wh is None and first.pos_ == "AUX" and first.i < subj.i:
                rhetorical = neg or "n't" in first.text.lower() or any(t.lower_ in self.intensifiers for t in doc)
                if rhetorical:
                    return first, "polar", root, agent
        return self._why_aux_fallback(doc, sent, ctx)

    def _why_aux_fallback(self, doc, sent: Sentence, ctx: Context):
        """ "Why didn't Bruno roll back?": the small parser sometimes makes the name the root;
        the word order (why + auxiliary + subject) still says who the question is about."""
        words = [t for t in doc if not t.is_space]
        if len(words) < 3 or words[0].lower_ != "why":
            return None
        # "why on earth did …", "why exactly did …": the auxiliary comes within a few words
        aux = next((i for i in range(1, min(5, len(words))) if words[i].pos_ == "AUX"), None)
        if aux is None:
            return None
        words = [words[0], *words[aux:]]
        k = 2 + (len(words) > 2 and words[2].dep_ == "neg")
        if k >= len(words):
            return None
        agent = None
        for t in words[k : k + 4]:  # the subject noun phrase right after the auxiliary
            if t.pos_ in ("VERB", "AUX"):
                if t.dep_ != "ROOT":
                    break
                # a name the parser made the root verb ("Why didn't Mark roll back?"), but never the
                # people a real verb's phrases mention ("Why was no review requested from the team?")
                agent = ctx.people.classify(t, sent)
                if agent is not None:
                    break
                continue
            agent = self._person(t, sent, ctx)
            if agent is not None:
                break
        if agent is None:
            return None
        neg = any(t.dep_ == "neg" or t.lower_ in ("n't", "not") for t in words[1 : k + 1])
        verb = next((t for t in words[k + 1 :] if t.pos_ == "VERB"), None)
        return words[0], "why-not" if neg else "why", verb, agent

    def _person(self, subj, sent: Sentence, ctx: Context) -> Agent | None:
        from reviewer.people import _person_in_np

        if subj.lower_ in ("we", "us", "i", "it", "this", "that", "what", "which"):
            return None
        agent = _person_in_np(subj, sent, ctx.people, possessor=False)
        return agent

    # --- rewrites ---------------------------------------------------------------

    def _rewrite(self, when: str, verb, agent: Agent | None, at_start: bool = True) -> str | None:
        lemma = _phrasal_lemma(verb) if verb is not None else ""
        obj, complement = _object_text(verb) if verb is not None else ("", "")
        values = {
            "lemma": lemma,
            "gerund": gerund(lemma) if lemma else "",
            "participle": participle(lemma) if lemma else "",
            "object": obj or ("" if " " in lemma else "it"),
            "complement": complement or obj or ("" if " " in lemma else "it"),
            "agent": agent.text if agent else "the responder",
        }
        plain = (
            verb is None
            or lemma.split(" ")[0] in ("be", "have", "do")
            or any(c.dep_ == "auxpass" for c in verb.children)
        )
        for cond, verbs, text in self.rewrites:
            if cond not in ("any", when):
                continue
            if plain and "{" in text and cond != "any":
                continue  # no verb phrase to build on: use the general question
            if verbs and lemma.split(" ")[0] not in verbs:
                continue
            out = text.format_map(values)
            out = re.sub(r"\s+", " ", out).strip()
            return out[0].upper() + out[1:] if at_start else out[0].lower() + out[1:]
        return None


def _phrasal_lemma(verb) -> str:
    particle = next(
        (c.lower_ for c in verb.children if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in PARTICLES)), ""
    )
    lemma = verb.lemma_.lower()
    return f"{lemma} {particle}".strip()


def _object_text(verb) -> tuple[str, str]:
    """The verb's object as a bare noun phrase, and as the complement with its preposition."""
    for c in verb.children:
        if c.dep_ in ("dobj", "attr") and c.lower_ not in ("what", "who", "which"):
            words = [t.text for t in c.subtree]
            text = " ".join(words).replace(" 's", "'s").replace(" - ", "-")
            if len(words) <= 8:
                return text, text
    for c in verb.children:  # "forget to check the endpoint": the infinitive is what was left undone
        if c.dep_ == "xcomp" and any(t.dep_ == "aux" and t.lower_ == "to" for t in c.children):
            words = [t.text for t in c.subtree]
            if len(words) <= 10:
                text = " ".join(words).replace(" 's", "'s").replace(" - ", "-")
                return text, text
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ in ("on", "to", "with", "for", "at", "into", "over", "through"):
            pobj = next((t for t in c.children if t.dep_ in ("pobj", "pcomp")), None)
            words = [t.text for t in pobj.subtree] if pobj is not None else []
            if 0 < len(words) <= 8:
                bare = " ".join(words).replace(" 's", "'s")
                return bare, f"{c.text} {bare}"
    return "", ""
