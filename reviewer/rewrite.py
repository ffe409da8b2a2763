"""Concrete rewrites for blame findings, built from the parse.

A rule names a strategy; each returns a replacement (source offsets and text) or
None when the sentence is too complex to rewrite safely, in which case the finding
keeps only its instruction. Strategies:

* ``drop``: delete a snide word or aside ("finally", "obviously", ", as usual").
* ``drop-possessor``: "Raj's change broke login" -> "The change broke login".
* ``passive-negative``: "Priya forgot to renew the certificate" -> "The certificate
  was not renewed"; "Marek should have checked replication lag" -> "Replication lag
  was not checked". The person leaves the sentence; the event stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewer.findings import Suggestion
from reviewer.inflect import participle

if TYPE_CHECKING:
    from spacy.tokens import Token

    from reviewer.people import Agent
    from reviewer.sentences import Sentence

STRATEGIES = {"drop", "drop-possessor", "passive-negative"}
WRAPPERS = {"fail", "forget", "neglect", "omit", "bother", "try", "remember", "manage", "think"}
PARTICLES = {"back", "out", "off", "up", "down", "over", "in"}
OMISSIONS = {"ignore", "skip", "overlook", "disregard", "bypass", "circumvent", "miss"}  # already say "not done"


def rewrite(strategy: str, sent: Sentence, token: Token, match: tuple[int, int], agent: Agent) -> Suggestion | None:
    """A rewrite of the blamed clause, or None where it would not leave a grammatical sentence."""
    if sent.is_question and strategy != "drop":
        return None  # "Why did the developer forget…?" turned passive is no question any more
    if strategy == "drop":
        return drop(sent, match)
    if strategy == "drop-possessor":
        return _drop_possessor(sent, agent)
    if strategy == "passive-negative":
        return _passive_negative(sent, token, agent)
    return None


def drop(sent: Sentence, match: tuple[int, int]) -> Suggestion:
    """Delete an aside with the commas and the space that set it off."""
    text = sent.doc.source.text
    s, e = sent.at(match[0]), sent.end_at(match[1])
    left_comma = text[s - 2 : s] == ", "
    right_comma = text[e : e + 1] == ","
    if left_comma and right_comma:  # "and, predictably, deleted" -> "and deleted"
        s, e = s - 2, e + 1
    elif left_comma:  # "without approval, as usual" -> "without approval"
        s -= 2
    elif right_comma:  # "Obviously, nobody" -> "nobody"
        e += 1
        if text[e : e + 1] == " ":
            e += 1
    elif text[e : e + 1] == " ":
        e += 1
    elif s > 0 and text[s - 1] == " ":
        s -= 1
    if at_sentence_start(sent, s) and e < len(text) and text[e].islower():
        return Suggestion(text[e].upper(), s, e + 1, safe=True)  # "Obviously, nobody …" -> "Nobody …"
    return Suggestion("", s, e, safe=True)


def _drop_possessor(sent: Sentence, agent: Agent) -> Suggestion | None:
    if not agent.possessor:
        return None
    text = sent.doc.source.text
    end = agent.end
    for suffix in ("'s", "’s", "'", "’"):
        if text.startswith(suffix, end):
            end += len(suffix)
            break
    else:
        return None
    while end < len(text) and text[end] == " ":
        end += 1
    return Suggestion("The " if at_sentence_start(sent, agent.start) else "the ", agent.start, end)


NEGATIVE_POLARITY = {"anyone": "no one", "anybody": "nobody", "anything": "nothing"}


def _passive_negative(sent: Sentence, token: Token, agent: Agent) -> Suggestion | None:
    if agent.possessor:
        return None
    verb = _content_verb(token)
    if verb is None or verb.pos_ != "VERB":
        return None
    if any(
        c.dep_ == "conj" and c.pos_ == "VERB" and not any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
        for c in verb.children
    ):
        return None  # "ignored the page and went back to sleep": the second verb would lose its subject
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None:
        return None
    obj_tokens = list(obj.subtree)
    if len(obj_tokens) > 8 or any(t.dep_ in ("relcl", "acl", "ccomp") for t in obj_tokens):
        return None
    if any(t.lower_ in ("his", "her", "their", "your", "my") for t in obj_tokens):
        return None
    particle = next(
        (c for c in verb.children if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in PARTICLES)), None
    )
    lemma = verb.lemma_.lower() + (f" {particle.lower_}" if particle is not None else "")
    plural = obj.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in obj.children)
    # the words as written, not as masked for the parser (inline code is x's there)
    phrase = " ".join(sent.source(sent.span(obj_tokens[0])[0], sent.span(obj_tokens[-1])[1]).split())
    if phrase.split(" ", 1)[0] in ("a", "an"):
        phrase = "the " + phrase.split(" ", 1)[1]
    end_tok = max(obj_tokens[-1], particle) if particle is not None else obj_tokens[-1]
    start = agent.start
    end = sent.span(end_tok)[1]
    if end <= start:
        return None
    negation = "" if verb.lemma_.lower() in OMISSIONS else "not "
    # "did not tell anyone" -> "no one was told", not "anyone was not told"
    first, _, rest = phrase.partition(" ")
    if first.lower() in NEGATIVE_POLARITY or first.lower() == "any":
        if not negation or (first.lower() != "any" and rest):
            return None
        phrase = NEGATIVE_POLARITY.get(first.lower(), "no") + (f" {rest}" if rest else "")
        negation = ""
    text = f"{phrase} {'were' if plural else 'was'} {negation}{participle(lemma)}"
    text = text[0].upper() + text[1:] if at_sentence_start(sent, start) else text
    return Suggestion(text, start, end)


def at_sentence_start(sent: Sentence, offset: int) -> bool:
    """Only markup, punctuation or a timeline stamp stand between the sentence start and ``offset``."""
    begin = sent.start
    ts = sent.block.timestamp
    if (ts and ts[0] <= begin < ts[1]) or (ts and begin <= ts[0] < offset):
        begin = max(begin, ts[1])
    return not sent.doc.source.text[begin:offset].strip(" -*|:—–")


def _content_verb(token: Token) -> Token | None:
    """The verb that says what did not happen: 'renew' in 'forgot to renew', 'checked' in 'should have checked'."""
    t = token
    for _ in range(4):
        if t.pos_ == "VERB":
            break
        if t.head == t:
            return None
        t = t.head
    if t.pos_ != "VERB":
        return None
    if t.lemma_.lower() in WRAPPERS:
        inner = next((c for c in t.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
        return inner
    return t
