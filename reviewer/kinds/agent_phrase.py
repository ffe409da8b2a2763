"""``agent-phrase``: a phrase that is blame only when a person is its agent.

"failed to", "should have", "ignored", "broke": about a health check they are
facts, about Kenji they are judgement. Each trigger says where to look for the
agent (the subject of its verb, the owner of that subject, or the noun phrase that
follows) and how sure we must be that it is a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from reviewer.kinds.base import Context, Hit, Kind, compile_pattern, inside, quoted_spans
from reviewer.people import Agent, agent_of, following_person, governing_verb, subject_of
from reviewer.rewrite import STRATEGIES, rewrite
from reviewer.sentences import Sentence

AGENT_MODES = {"subject", "subject-or-possessor", "following", "within", "none"}
"""Where the agent is: the subject of the trigger's verb, or its owner, the person after the
trigger, a person inside it, or ``none``: the phrase is about people whoever says it
("mandatory refresher training", "stress the importance of following the policy")."""
SELF = frozenset({"we", "us", "i"})
WHO = {"definite", "any"}
TRIGGER_KEYS = {
    "pattern",
    "agent",
    "who",
    "verbs",
    "head",
    "fix",
    "message",
    "unless",
    "clause",
    "inverted",
    "rewrite",
    "perfect",
    "self",
    "imperative",
    "passive",
}


class Trigger:
    def __init__(self, kind: Kind, spec: dict) -> None:
        if not isinstance(spec, dict) or "pattern" not in spec or set(spec) - TRIGGER_KEYS:
            raise kind.error(f"a trigger is a mapping with 'pattern' and optional {sorted(TRIGGER_KEYS - {'pattern'})}")
        self.pattern = compile_pattern(kind, spec["pattern"], "trigger pattern")
        self.agent = spec.get("agent", "subject")
        self.who = spec.get("who", "definite")
        if self.agent not in AGENT_MODES or self.who not in WHO:
            raise kind.error(f"trigger agent must be one of {sorted(AGENT_MODES)} and who one of {sorted(WHO)}")
        self.verbs = {v.lower() for v in spec.get("verbs", [])}
        self.head = set(spec.get("head", []))
        self.fix = spec.get("fix")
        self.message = spec.get("message")
        self.unless = [compile_pattern(kind, u, "unless") for u in spec.get("unless", [])]
        self.clause = re.compile(spec["clause"], re.I) if "clause" in spec else None
        self.inverted = bool(spec.get("inverted", False))
        self.perfect = bool(spec.get("perfect", False))
        self.rewrite = spec.get("rewrite")
        # the writers themselves ("we need to be more careful") count as the agent: always for a
        # remedy aimed at people; for a judgement only with `self-judgement = true`
        self.self_ok = bool(spec.get("self", False))
        # an order with no subject ("Be more careful when…", "Never ignore errors in staging")
        self.imperative = bool(spec.get("imperative", False))
        # only a passive ("shouldn't have been rushed"), whose hidden actor is the people involved;
        # an explicit actor that is a system ("should have been caught by CI") judges no one
        self.passive = bool(spec.get("passive", False))
        if self.rewrite is not None and self.rewrite not in STRATEGIES:
            raise kind.error(f"rewrite must be one of {sorted(STRATEGIES)}")


class AgentPhrase(Kind):
    keys: ClassVar[dict[str, bool]] = {"triggers": True, "exceptions": False}
    needs_parse: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        self.triggers = [Trigger(self, t) for t in rule.options["triggers"]]
        self.exceptions = [compile_pattern(self, e, "exception") for e in rule.options.get("exceptions", [])]
        self.set_prefilter(*(t.pattern.pattern for t in self.triggers))

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        """Parse only sentences where some trigger could fire: its pattern and clause condition occur, and
        something that could be a person appears (after the trigger, for triggers that look there)."""
        text = sent.text
        if not self.prefilter.search(text):
            return False
        for t in self.triggers:
            if t.clause is not None and not t.clause.search(text):
                continue
            for m in t.pattern.finditer(text):
                if t.agent == "none" or t.imperative or t.self_ok:
                    return True  # no person needs to be named: the parse decides
                window = text[m.end() : m.end() + 80] if t.agent == "following" else text
                if ctx.people.has_cue(window):
                    return True
        return False

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        doc = sent.parsed
        if doc is None:
            return
        quoted = quoted_spans(sent.text)
        vetoes = [(m.start(), m.end()) for e in self.exceptions for m in e.finditer(sent.text)]
        taken: list[tuple[int, int]] = []
        for trigger in self.triggers:
            if any(u.search(sent.text) for u in trigger.unless):
                continue
            for m in trigger.pattern.finditer(sent.text):
                s, e = m.start(), m.end()
                if inside(quoted, s, e) or any(a < e and s < b for a, b in vetoes + taken):
                    continue
                token = next((t for t in doc if t.idx <= s < t.idx + len(t.text) or t.idx >= s), None)
                if token is None:
                    continue
                if trigger.head and token.head.pos_ not in trigger.head:
                    continue
                if trigger.perfect and not any(
                    t.lower_ in ("have", "'ve", "’ve") and t.dep_ == "aux" for t in doc if s <= t.idx < e + 1
                ):
                    continue  # "should have a second responder": possession, not hindsight
                if trigger.perfect and _stative(governing_verb(token)):
                    continue  # "users should not have had lingering issues": an expectation about a state
                if trigger.inverted and token.dep_ != "aux":
                    continue  # "whether this incident had this intent": 'had' with its own subject, no inversion
                if trigger.verbs and governing_verb(token).lemma_.lower() not in trigger.verbs:
                    continue
                if trigger.passive and not _passive_of_people(governing_verb(token), sent, ctx):
                    continue
                last = max((t for t in doc if t.idx < e), key=lambda t: t.i, default=token)
                if trigger.clause is not None:
                    verb = governing_verb(token)
                    clause = doc[verb.left_edge.i : verb.right_edge.i + 1].text
                    if not trigger.clause.search(clause):
                        continue
                if trigger.agent == "following":
                    agent = following_person(last, sent, ctx.people)
                elif trigger.agent == "within":
                    agent = next(
                        (a for t in doc if t.idx >= s and t.idx < e for a in [ctx.people.classify(t, sent)] if a),
                        None,
                    ) or agent_of(token, sent, ctx.people, possessor=True)
                elif trigger.agent == "none":
                    agent = Agent("people", sent.at(s), sent.end_at(e), "the people involved")
                else:
                    agent = agent_of(token, sent, ctx.people, possessor=trigger.agent == "subject-or-possessor")
                if agent is None and (trigger.self_ok or ctx.self_judgement):
                    agent = _writers(token, sent)
                if agent is None and trigger.imperative and _imperative(token):
                    agent = Agent("people", sent.at(s), sent.end_at(e), "the people involved")
                if agent is None or (trigger.who == "definite" and not agent.definite):
                    continue
                if trigger.inverted and agent.start < sent.at(token.idx):
                    continue
                if _hypothetical(agent, sent, token):
                    continue
                taken.append((s, e))
                start, end = min(agent.start, sent.at(s)), max(agent.end, sent.end_at(e))
                suggestion = rewrite(trigger.rewrite, sent, token, (s, e), agent) if trigger.rewrite else None
                yield Hit(
                    start,
                    end,
                    values={"agent": _in_running_text(agent), "phrase": m.group(0)},
                    suggestions=[suggestion] if suggestion is not None else [],
                    fix=trigger.fix,
                    message=trigger.message,
                )


STATIVE = frozenset({"have", "be", "experience", "suffer"})
LEADING = frozenset({"advcl", "prep", "advmod", "npadvmod", "mark", "intj", "dep"})
AUTOMATIC = frozenset({"automatically", "eventually", "normally", "usually", "typically", "automagically"})
HYPOTHETICAL = frozenset({"another", "a", "an", "any", "no", "every", "second"})
FREE_CHOICE = frozenset({"anyone", "anybody", "whoever", "anything"})
POSSIBILITY = frozenset({"could", "might", "may", "can", "would", "'d"})


def _stative(verb) -> bool:
    """A state, not an act: hindsight judges what someone did, not what they had or were."""
    return verb.lemma_.lower() in STATIVE and not any(c.dep_ == "auxpass" for c in verb.children)


def _hypothetical(agent, sent: Sentence, token) -> bool:
    """ "The pull request was not reviewed by another developer": a safeguard that was missing,
    named by the person who would have provided it; nobody in particular is judged. And "anyone
    holding the key could have signed a release": free-choice 'anyone' with a modal of possibility
    says what was possible, not what someone ought to have done."""
    head = next((t for t in token.doc if sent.span(t)[1] == agent.end), None)
    if head is not None and head.lower_ in FREE_CHOICE:
        verb = governing_verb(token)
        if any(c.dep_ == "aux" and c.lower_ in POSSIBILITY for c in verb.children):
            return True
    if head is None or not any(c.dep_ in ("det", "amod") and c.lower_ in HYPOTHETICAL for c in head.children):
        return False
    verb = governing_verb(token)
    return any(c.dep_ == "neg" for c in verb.children) or any(t.dep_ == "neg" for t in token.doc[: token.i + 1])


def _in_running_text(agent: Agent) -> str:
    """The agent as the message quotes it mid-sentence: "frames an engineer", not "frames An engineer"."""
    text = agent.text
    if agent.kind in ("name", "handle", "possible-name") or len(text) < 2 or text[:2].isupper():
        return text
    return text[0].lower() + text[1:]


def _writers(token, sent: Sentence) -> Agent | None:
    """The writers as the agent: "we need to be more careful", "our failure to…", "I forgot"."""
    subj = subject_of(governing_verb(token))
    if subj is None:
        return None
    owner = next((c for c in subj.children if c.dep_ == "poss" and c.lower_ in ("our", "my")), None)
    if subj.lower_ in SELF or owner is not None:
        who = subj if owner is None else owner
        return Agent("self", *sent.span(who), who.text)
    return None


def _imperative(token) -> bool:
    """Is the trigger's verb an order with no subject: "Be more careful…", "Always double-check…"?"""
    verb = governing_verb(token)
    if _after_leading_clause(verb):
        return True
    while verb.dep_ == "conj" and verb.head is not verb:
        verb = verb.head
    if verb.tag_ != "VB" or verb.dep_ not in ("ROOT", "conj") or any(c.dep_.startswith("nsubj") for c in verb.children):
        return False
    # what may come first: adverbs, "please", and a leading clause or phrase of the verb's own
    # ("In case the situation turns critical, remain calm")
    leading = {t.i for c in verb.children if c.dep_ in LEADING and c.i < verb.i for t in c.subtree}
    before = [t for t in token.doc[: verb.i] if not (t.is_punct or t.is_space) and t.i not in leading]
    return all(
        t.pos_ in ("ADV", "INTJ", "PART", "AUX", "NUM", "X", "SYM") or t.lower_ in ("please", "do") for t in before
    )


LEADING_MARKERS = frozenset(
    {"if", "when", "whenever", "once", "before", "after", "while", "in", "during", "until", "unless"}
)


def _after_leading_clause(verb) -> bool:
    """ "In case the situation turns critical, remain calm": the parser often reads the order as a
    second verb of the leading clause; a bare base form with no subject right after the comma that
    closes a clause opened by 'if', 'when', 'in case'… is the order itself."""
    doc = verb.doc
    if verb.dep_ != "conj" or verb.i < 2 or doc[verb.i - 1].text != ",":
        return False
    if verb.lower_ != verb.lemma_.lower() or verb.tag_ not in ("VB", "VBP"):
        return False
    if any(c.dep_.startswith("nsubj") for c in verb.children) or any(
        t.dep_ == "cc" and t.head is verb.head and t.i < verb.i for t in doc
    ):
        return False
    first = next((t for t in doc if not (t.is_punct or t.is_space)), None)
    return first is not None and first.lower_ in LEADING_MARKERS and first.i < verb.i


def _passive_of_people(verb, sent: Sentence, ctx: Context) -> bool:
    """A passive whose actor, if named, is a person: "the rollout should not have been rushed"."""
    if not any(c.dep_ == "auxpass" for c in verb.children):
        return False
    if any(c.dep_ == "advmod" and c.lower_ in AUTOMATIC for c in verb.children):
        return False  # "should have been automatically corrected": an expectation of a system
    if any(c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in verb.children):
        return False  # "Reflect if the tests should have been shared": a question left open
    by = next((c for c in verb.children if c.dep_ == "agent"), None)
    actor = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
    return actor is None or ctx.people.classify(actor, sent) is not None
