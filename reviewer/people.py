"""Telling a person, a role or a team from a system, on a spaCy parse.

This is the heart of blame detection: "Kenji failed to follow the procedure" and
"the canary failed to catch the regression" differ only in who the subject is.
A noun phrase is judged from the parse (pronouns, PERSON entities, proper nouns),
the shared lexicon ``rules/lexicons/people.yml`` and the user's config (extra role
words, names of systems that look like people's names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from reviewer.resources import lexicon_dir
from reviewer.ruleset import read_yaml

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from reviewer.sentences import Sentence

DEFINITE = frozenset({"name", "handle", "role", "team", "pronoun", "indefinite", "self", "people"})
# Capitalised only because they start a sentence or a table cell; never a person's name.
_FUNCTION_WORDS = """the this that these those it its there here then than a an and or but if as at by for from in into of on
    onto to with without within after before during while when where why how what which who whose since because
    until unless although though however therefore thus also all some any each every both either neither no not
    none one two three our we us you your they their he she his her my i me is was were be been being are has had
    have do does did can could should would will may might must so such only just even still yet again once
    further furthermore meanwhile later next first second third finally initially eventually previously currently
    afterwards additionally instead otherwise overall around about above below over under between through per
    via up down out off other another same new old many much more most few less least own very too"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
CAPITALISED = re.compile(r"(?<![\w@./-])[A-Z][\w'’-]*")
ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")
PLURAL_PRONOUNS = frozenset({"they", "them"})
TOOLISH = re.compile(r"(?:[^s]s|er|ers|or|ors)$")
"""The endings of capitalised common words that name things more often than people: plurals
("Builds", "Jobs"), agent nouns ("Binder", "Runner", "Scheduler")."""
MODALS = frozenset({"should", "could", "would", "will", "shall", "may", "might", "must", "can", "'ll", "’ll"})
MASS_PLURALS = frozenset({"data", "metadata", "media", "criteria", "analytics", "logs", "metrics", "statistics"})
PLACE_ENTS = frozenset({"GPE", "LOC", "FAC", "NORP", "LANGUAGE", "LAW", "EVENT"})
ORG_ENTS = frozenset({"ORG", "PRODUCT", "WORK_OF_ART"})
ORG_SHAPE = re.compile(r"[a-z][A-Z]|\d|(?i:co|corp|inc|labs?|cloud|soft|tech|net|io|hub|base|stack|ops|db|ql|ify)$")
OBLIGATION_PASSIVES = frozenset(
    {
        "suppose",
        "expect",
        "mean",
        "require",
        "ask",
        "tell",
        "instruct",
        "assign",
        "hold",
        "blame",
        "allow",
        "let",
        "give",
    }
)
INDEFINITES = frozenset(
    {"someone", "somebody", "nobody", "anyone", "anybody", "everyone", "everybody", "whoever", "no-one"}
)


@dataclass(frozen=True)
class Agent:
    """A person-like noun phrase: ``kind`` says how we know, ``start``/``end`` are source offsets."""

    kind: str  # name | handle | role | team | pronoun | indefinite | possible-name | self | people
    start: int
    end: int
    text: str
    possessor: bool = False  # the person owns the subject ("Raj's change")

    @property
    def definite(self) -> bool:
        return self.kind in DEFINITE


class People:
    """The person/system lexicon, compiled once, plus per-project additions from config."""

    def __init__(self, roles: list[str] = (), systems: list[str] = (), names: list[str] = ()) -> None:  # type: ignore[assignment]
        data = read_yaml(lexicon_dir() / "people.yml")

        def alt(items: list[str]) -> str:
            return "|".join(f"(?:{i})" for i in items)

        self.role = re.compile(rf"(?:^|[\s(])(?:{alt(data['roles'] + list(roles))})$", re.I)
        self.ambiguous = re.compile(rf"^(?:{alt(data['ambiguous_roles'])})$", re.I)
        self.human_modifier = re.compile(rf"^(?:{alt(data['human_modifiers'])})$", re.I)
        self.team = re.compile(rf"(?:^|[\s(])(?:{alt(data['teams'])})$", re.I)
        self.pronouns = {p.lower() for p in data["pronouns"]}
        self.outsider = re.compile(rf"^(?:{alt(data['outsiders'])})$", re.I)
        self.systems = {s.lower() for s in data["systems"]} | {s.lower() for s in systems}
        self.names = {n.lower() for n in names}
        words = data["roles"] + data["ambiguous_roles"] + data["teams"] + data["pronouns"] + list(roles)
        self.cue_words = re.compile(
            rf"@\w|(?<![\w-])(?:{alt(words)}|{alt(sorted(INDEFINITES))}|his|their)(?![\w-])", re.I
        )
        self.given_names = {n.lower() for n in data.get("given_names", [])} | self.names

    def has_cue(self, text: str) -> bool:
        """Could ``text`` mention a person? A cheap test run before parsing: role, team and
        pronoun words, @handles, or a capitalised word that is not a known system."""
        if self.cue_words.search(text):
            return True
        for m in CAPITALISED.finditer(text):
            word = m.group(0)
            low = word.lower()
            if low not in self.systems and low not in FUNCTION_WORDS and not word.isupper():
                return True
        return False

    def classify(self, token: Token, sent: Sentence | None = None) -> Agent | None:
        """Is the noun phrase headed by ``token`` a person, role or team?"""
        # offsets into the token's own text when there is no sentence to map them to the source
        at, end_at = (sent.at, sent.end_at) if sent is not None else (_same, _same)
        if token.pos_ not in ("PROPN", "NOUN", "PRON", "X", "ADJ", "NUM") and not token.text.startswith("@"):
            return self._phrase_role(token, sent)
        start = token.idx
        end = token.idx + len(token.text)
        if sent is not None and sent.doc.in_code(at(start), end_at(end)):
            return None
        lower = token.lower_
        text = token.text
        if text.startswith("@") and len(text) > 1:
            return Agent("handle", at(start), end_at(end), text)
        if token.pos_ == "PRON":
            if lower in self.pronouns:
                return self._pronoun(token, sent, Agent("pronoun", at(start), end_at(end), text))
            if lower in INDEFINITES or (lower in ("no", "one") and token.nbor(-1).lower_ == "no"):
                return Agent("indefinite", at(start), end_at(end), text)
            return None
        # The noun phrase up to and including its head: "the on-call engineer", "the vendor's support agent".
        left = token.left_edge.i
        phrase_tokens = [t for t in token.doc[left : token.i + 1] if t.dep_ not in ("poss", "case") or t.head != token]
        phrase = " ".join(t.text for t in phrase_tokens).replace(" - ", "-").replace(" -", "-").replace("- ", "-")
        np_start = at(token.doc[left].idx)
        if lower in INDEFINITES:
            return Agent("indefinite", at(start), end_at(end), text)
        if lower in self.systems or self.outsider.match(text):
            return None
        if self.role.search(phrase) and not self._system_compound(token):
            return Agent("role", np_start, end_at(end), token.doc[left : token.i + 1].text)
        if self.ambiguous.match(text) and self._human_modifiers_only(token):
            return Agent("role", np_start, end_at(end), token.doc[left : token.i + 1].text)
        if self.team.search(phrase) and token.pos_ in ("NOUN", "PROPN"):
            return Agent("team", np_start, end_at(end), token.doc[left : token.i + 1].text)
        if lower in self.names:
            return Agent("name", at(start), end_at(end), text)
        if self._collective(token):
            return Agent("team", at(start), end_at(end), text)
        if token.pos_ == "PROPN" and text[:1].isupper() and text.replace("-", "").replace("'", "").isalpha():
            span = _name_span(token)
            name = token.doc.text[span[0] : span[1]]
            if token.ent_type_ == "PERSON" and self._person_entity(token, span):
                return Agent("name", at(span[0]), end_at(span[1]), name)
            if self._looks_like_name(token):
                return Agent("possible-name", at(span[0]), end_at(span[1]), name)
        return self._phrase_role(token, sent)

    @staticmethod
    def _collective(token: Token) -> bool:
        """A capitalised singular name with a plural verb is a group of people, British style:
        "Infrastructure are not prioritising …", "Platform have agreed …"."""
        if not (token.text[:1].isupper() and token.tag_ in ("NN", "NNP") and token.dep_ == "nsubj"):
            return False
        if token.lower_ in MASS_PLURALS or any(c.dep_ == "det" for c in token.children):
            return False
        verb = token.head
        forms = {verb.lower_} | {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
        if forms & MODALS:
            forms -= {"have"}  # "should have paged": the modal carries the agreement, not "have"
        return bool(forms & {"are", "were", "have", "'re", "’re"}) and verb.i > token.i

    def _person_entity(self, token: Token, span: tuple[int, int]) -> bool:
        """A PERSON entity is a person unless it has the shape of a product ("URLs", "JupyterHub"),
        or is one ordinary word shaped like a tool's name, a plural or an agent noun ("Builds",
        "Binder", "Runner"), that is not also a given name. "Sam" or "Mark" stay people."""
        text = token.text
        if text.lower() in self.given_names:
            return True
        if ACRONYM_PLURAL.fullmatch(text) or ORG_SHAPE.search(text):
            return False
        one_word = span[1] - span[0] == len(text)
        return not (one_word and TOOLISH.search(text) and _common_word(token))

    def _pronoun(self, token: Token, sent: Sentence | None, agent: Agent) -> Agent | None:
        """A personal pronoun is a person when it can only be one (I, me, he, she), or when its
        antecedent is: "they" and "them" stand for things and outside parties as often as for
        people ("rejected due to them being unable…" about a vendor), so they need a person
        named before them in the paragraph; a generic "you" outside a question blames no one."""
        lower = token.lower_
        if lower == "you":
            return agent if sent is None or sent.is_question else None
        if lower not in PLURAL_PRONOUNS or sent is None:
            return agent
        before = sent.doc.source.text[sent.block.start : sent.at(token.idx)]
        return agent if self._names_a_person(before, token) else None

    def _names_a_person(self, text: str, pronoun: Token) -> bool:
        """Does ``text`` (the paragraph up to a pronoun) name a person, a role or a team, and is that
        the nearest candidate antecedent in the pronoun's own sentence?"""
        earlier = list(reversed(pronoun.doc[: pronoun.i]))
        # a subject comes first: "since the attacker was in between the user and PyPI, they could…"
        for t in sorted(earlier, key=lambda t: t.dep_ not in ("nsubj", "nsubjpass")):
            if t.lower_ in INDEFINITES or t.lower_ in ("who", "whom"):
                return True  # "Who was on call, and why did it take them…?"
            if self.outsider.match(t.text):
                return False
            if t.pos_ in ("NOUN", "PROPN") and t.dep_ != "compound":
                if self.classify(t) is not None:
                    return True
                if t.tag_ in ("NNS", "NNPS") or t.ent_type_ in ORG_ENTS:
                    return False  # the nearest noun that could be "they": "the limits", "Cloudflare"
                # a singular thing ("a build they never tested") cannot be "they": look further back
        return _names_someone(self, text)

    def _phrase_role(self, token: Token, sent: Sentence | None) -> Agent | None:
        """Fallback on the whole phrase when the parse split it oddly ("the on-call" as on/-/call)."""
        whole = " ".join(t.text for t in token.subtree).replace(" - ", "-")
        if len(whole.split()) > 6:
            return None
        kind = "role" if self.role.search(whole) else "team" if self.team.search(whole) else None
        if kind is None:
            return None
        end = token.right_edge.idx + len(token.right_edge.text)
        start = token.left_edge.idx
        if sent is not None:
            return Agent(kind, sent.at(start), sent.end_at(end), token.doc.text[start:end])
        return Agent(kind, start, end, token.doc.text[start:end])

    def _looks_like_name(self, token: Token) -> bool:
        """A proper noun that NER did not call PERSON: names of people are often mislabelled
        (ORG, TIME, PRODUCT) in short sentences, so only the label's shape vetoes it."""
        text = token.text
        if text.isupper() or ACRONYM_PLURAL.fullmatch(text) or ORG_SHAPE.search(text):
            return False
        if token.ent_type_ in (PLACE_ENTS | ORG_ENTS) and _multi_token_ent(token):
            return False
        if text.lower() in self.given_names:
            return True
        sentence_start = token.i == 0 or token.nbor(-1).is_punct or token.nbor(-1).is_space
        return not (sentence_start and _common_word(token))

    def _system_compound(self, token: Token) -> bool:
        """ "the Kubernetes operator", "the Redis engineer" are fine; a system word as modifier of a role noun."""
        return any(c.dep_ == "compound" and c.lower_ in self.systems for c in token.children)

    def _human_modifiers_only(self, token: Token) -> bool:
        mods = [c for c in token.children if c.dep_ in ("compound", "amod", "nmod", "det", "poss", "nummod")]
        return all(self.human_modifier.match(c.text) or c.ent_type_ == "PERSON" for c in mods)


def _names_someone(people: People, text: str) -> bool:
    """Earlier sentences of the paragraph name a person, a role or a team (the pronouns themselves aside)."""
    return bool(people.cue_words.search(re.sub(r"(?i)\b(?:they|them|their)\b", "", text)))


def _multi_token_ent(token: Token) -> bool:
    return any(token.ent_type_ and len(ent) > 1 and ent.start <= token.i < ent.end for ent in token.doc.ents)


def _common_word(token: Token) -> bool:
    """Is this capitalised word an ordinary English word ("Latency", "Alerting", "Builds")?"""
    from reviewer.nlp import is_common_word

    text = token.text
    singular = text[:-1] if text.endswith("s") and not text.endswith("ss") else None
    return is_common_word(text, token.lemma_) or (singular is not None and is_common_word(singular))


def _name_span(token: Token) -> tuple[int, int]:
    """Extend a proper-noun head over flat name parts ("Li Na", "Mary-Jane O'Neil")."""
    first = token
    while (
        first.i > 0
        and first.nbor(-1).dep_ == "compound"
        and first.nbor(-1).pos_ == "PROPN"
        and first.nbor(-1).head == token
    ):
        first = first.nbor(-1)
    return first.idx, token.idx + len(token.text)


@cache
def default_people() -> People:
    return People()


# --- finding the agent of a verb -------------------------------------------------


def governing_verb(token: Token) -> Token:
    """Climb from a trigger word (an auxiliary, a modal, "if", "only") to the verb it belongs to."""
    t = token
    for _ in range(6):
        if t.pos_ in ("VERB",) or (t.pos_ == "AUX" and t.dep_ in ("ROOT", "conj", "ccomp", "advcl", "relcl")):
            return t
        if t.head == t:
            return t
        t = t.head
    return t


def subject_of(verb: Token) -> Token | None:
    """The subject of a verb, inherited through coordination, xcomp, relative clauses and passives."""
    v = verb
    for _ in range(6):
        for child in v.children:
            if child.dep_ == "csubj":
                # "Whoever wrote this cron job … never heard of": the clause's own subject
                inner = next((c for c in child.children if c.dep_ == "nsubj"), None)
                return inner if inner is not None else child
            if child.dep_ == "nsubj":
                if child.lower_ in ("who", "that", "which") and v.dep_ == "relcl":
                    return v.head
                return child
            if child.dep_ == "nsubjpass":
                agent = next((c for c in v.children if c.dep_ == "agent"), None)
                pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
                if pobj is not None:
                    return pobj
                # the subject of a passive is what was acted on; it stands in for the actor
                # only when inherited ("the intern was given access and deleted the bucket")
                return child if v is not verb or v.lemma_ in OBLIGATION_PASSIVES else None
        if v.dep_ in ("xcomp", "conj", "advcl", "acomp", "aux") and v.head != v:
            if v.dep_ == "advcl" and any(c.dep_ == "mark" for c in v.children):
                return None  # "because X …": its own clause, no inherited subject
            v = v.head
            continue
        if v.dep_ == "relcl":
            return v.head
        return None
    return None


def agent_of(token: Token, sent: Sentence, people: People, possessor: bool = False) -> Agent | None:
    """The person-like agent behind ``token`` (a trigger word), if any."""
    verb = governing_verb(token)
    subj = subject_of(verb)
    if subj is None:
        return _row_agent(token, sent, people) if "|" in token.doc.text else None
    return _person_in_np(subj, sent, people, possessor)


def _row_agent(token: Token, sent: Sentence, people: People) -> Agent | None:
    """In a table row the actor often has its own cell ("| 09:12 | @jlee | Deployed … |")."""
    doc = token.doc
    cell_start = max((t.i for t in doc[: token.i] if t.text == "|"), default=-1)
    for t in doc[: max(cell_start, 0)]:
        if t.text == "|":
            continue
        agent = people.classify(t, sent)
        if agent is not None and agent.kind in ("handle", "name", "role", "team", "possible-name"):
            return agent
    return None


def _person_in_np(head: Token, sent: Sentence, people: People, possessor: bool, preps: bool = True) -> Agent | None:
    agent = people.classify(head, sent)
    if agent is not None:
        return agent
    if head.lower_ in INDEFINITES:
        return Agent("indefinite", *sent.span(head), head.text)
    # "nobody on the platform team", "someone from infra", "a member of the data team"
    for prep in head.children if preps else ():
        if prep.dep_ == "prep" and prep.lower_ in ("on", "from", "in", "of"):
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    inner = people.classify(pobj, sent)
                    if inner is not None and inner.definite:
                        return inner
    if possessor:
        for child in head.children:
            if child.dep_ == "poss":
                owner = people.classify(child, sent)
                if owner is None and child.lower_ in ("his", "her", "their", "your"):
                    owner = Agent("pronoun", *sent.span(child), child.text)
                if owner is not None:
                    return Agent(owner.kind, owner.start, owner.end, owner.text, possessor=True)
    # coordinated subjects: "Alice and the DBA"
    for child in head.children:
        if child.dep_ == "conj":
            inner = people.classify(child, sent)
            if inner is not None:
                return inner
    return None


def following_person(token: Token, sent: Sentence, people: People, window: int = 6) -> Agent | None:
    """The first person-like noun phrase after a trigger ("caused by Sam's…", "is on Fatima")."""
    doc: Doc = token.doc
    for t in doc[token.i + 1 : min(len(doc), token.i + 1 + window)]:
        if t.pos_ in ("VERB", "AUX") and t.tag_ != "VBG":
            return None  # "due to being showcased by …": another clause, not the cause's owner
        if t.pos_ in ("PROPN", "NOUN", "PRON") or t.text.startswith("@"):
            head = t
            while head.dep_ in ("compound", "amod", "nmod", "nummod") and head.head.i > head.i:
                head = head.head
            if head.dep_ == "poss":
                owner = people.classify(head, sent)
                if owner is not None:
                    return owner
                continue
            agent = _person_in_np(head, sent, people, possessor=False, preps=False)
            if agent is not None:
                return agent
            if head.dep_ not in ("poss", "compound"):
                return None
    return None


def _same(i: int) -> int:
    return i
