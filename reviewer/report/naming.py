"""What to call a cluster: its shared subject (noun phrases), its most characteristic terms
(class-based TF-IDF) and its medoid.

A lead reads a cluster's name before anything else, so it must say what the incidents have in
common: "certificate expiry", "alert noise", not three tokens ("introduced · another ·
attempt"). Names come from the noun phrases of the cluster's factors (spaCy's noun chunks,
without determiners, pronouns, quantities and words that every factor uses): a phrase
qualifies when at least two of the cluster's incidents use every content word of it, and the
phrases are ranked by how many incidents use them, then by their class-based TF-IDF weight.
A cluster with no such phrase (and no shared weakness class) cannot be named, and is a
cluster of phrasing ("The problem was resolved", "Things that could have gone better"),
not of a weakness: the report does not list it.

Class-based TF-IDF (as in BERTopic) treats each cluster's factor texts as one document and
weighs a term by how often the cluster uses it against how often all factors do:
``tf(t, c) / words(c) * log(1 + A / f(t))``, with A the mean number of words per cluster and
f(t) the term's count over every factor. Terms used by at least two of the cluster's
incidents are preferred, so the name says what the incidents share, not what one verbose
factor repeats; between equal weights (common in a small corpus) the longer word wins, as
the more specific one. Words are compared by a light stem ("logs" = "log") and shown in the
form the cluster uses most.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache

import numpy as np

from reviewer.recurrence import STOP, _stem

WORD = re.compile(r"[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*")
# words every factor uses: they say nothing about which weakness this is
GENERIC = frozenset(
    [
        "because",
        "caused",
        "cause",
        "causing",
        "did",
        "does",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "into",
        "made",
        "make",
        "makes",
        "many",
        "much",
        "new",
        "none",
        "once",
        "one",
        "two",
        "three",
        "first",
        "last",
        "time",
        "times",
        "again",
        "even",
        "still",
        "yet",
        "already",
        "however",
        "although",
        "though",
        "since",
        "until",
        "within",
        "without",
        "team",
        "teams",
        "our",
        "ours",
        "we",
        "us",
        "also",
        "which",
        "while",
        "what",
        "whom",
        "there",
        "here",
        "than",
        "then",
        "would",
        "could",
        "should",
        "might",
        "lot",
        "lots",
        "way",
        "ways",
        "thing",
        "things",
        "use",
        "used",
        "using",
        "too",
        "very",
        "really",
        "another",
        "sure",
        "some",
        "any",
        "other",
        "others",
        "such",
        "more",
        "most",
        "less",
        "least",
        "just",
        "only",
        "well",
        "able",
        "unable",
        "due",
        "like",
        "each",
        "every",
        "all",
        "both",
        "either",
        "neither",
    ]
)
TERMS = 3
VERSION = 2  # bump when noun_phrases changes: invalidates the cached phrases
PHRASES = 2  # noun phrases in a cluster's name
# Nouns that head a phrase about nothing in particular: every postmortem has problems, issues
# and things, and "the first place" is no subject. A phrase whose head is one of these names
# nothing (its other nouns still may, on their own).
_VAGUE_NOUNS = """problem issue thing way time lot list solution detail place result scenario case part number amount
    kind type sort lack need item action people person fact point situation reason cause effect impact incident
    outage postmortem post-mortem lesson question answer minute hour day week month year moment today bit
    example instance stuff one someone something everything nothing anything everyone anyone us we them they it
    this that these those what which who matter area aspect attempt end start beginning level side term set
    chance idea note information work job task step effort while period group rest couple half"""
VAGUE_NOUNS = frozenset(_VAGUE_NOUNS.split())
# Nouns too broad to be a subject alone ("the bug", "the application"), fine inside a phrase
# ("bug tracker", "application logs").
_BROAD_NOUNS = """bug fix application service system change error failure user customer team process tool component
    code data version update release deployment deploy request response traffic load resource server node cluster pod
    container machine environment production configuration config setting feature page site website endpoint test
    testing check message alert monitoring engineer developer company organisation organization tooling software"""
BROAD_NOUNS = frozenset(_BROAD_NOUNS.split())
# Adjectives that do not narrow a phrase ("general alert noise" is alert noise).
_VAGUE_ADJECTIVES = """general other important new old many much certain same different small big large major minor good bad
    whole several some specific similar particular next previous initial first last main real actual current
    additional extra further own proper right wrong possible likely certain clear high low long short quick
    slow early late able unable sure enough entire full various multiple single simple"""
VAGUE_ADJECTIVES = frozenset(_VAGUE_ADJECTIVES.split())


@cache
def _content(word: str) -> tuple[str, str] | None:
    word = word.strip(".-")
    if len(word) < 3 or word in STOP or word in GENERIC or word.isdigit():
        return None
    return _stem(word), word


def words(text: str) -> list[tuple[str, str]]:
    """(stem, surface form) of each content word."""
    return [c for c in map(_content, WORD.findall(text.lower())) if c is not None]


class Namer:
    """Term statistics over every factor of the corpus, computed once; then names per cluster."""

    def __init__(self, texts: list[str], labels: np.ndarray) -> None:
        memo: dict[str, list[tuple[str, str]]] = {}
        self.tokens = [memo[t] if t in memo else memo.setdefault(t, words(t)) for t in texts]
        self.total: Counter[str] = Counter()
        for toks in self.tokens:
            self.total.update(s for s, _ in toks)
        n_clusters = max(len(set(labels.tolist())), 1)
        self.avg = sum(self.total.values()) / n_clusters

    def weights(self, members: list[int]) -> dict[str, float]:
        """Class-based TF-IDF weight of each stem the members use."""
        counts: Counter[str] = Counter()
        for i in members:
            counts.update(s for s, _ in self.tokens[i])
        size = max(sum(counts.values()), 1)
        return {t: c / size * math.log(1 + self.avg / self.total[t]) for t, c in counts.items()}

    def terms(self, members: list[int], incident_of: list[str], top: int = TERMS) -> list[str]:
        counts: Counter[str] = Counter()
        shared: dict[str, set[str]] = {}
        surface: dict[str, Counter[str]] = {}
        for i in members:
            for stem, form in self.tokens[i]:
                counts[stem] += 1
                shared.setdefault(stem, set()).add(incident_of[i])
                surface.setdefault(stem, Counter())[form] += 1
        size = max(sum(counts.values()), 1)
        weight = {t: c / size * math.log(1 + self.avg / self.total[t]) for t, c in counts.items()}
        common = [t for t in weight if len(shared[t]) >= 2]
        pool = common if len(common) >= top else list(weight)
        ranked = sorted(pool, key=lambda t: (-round(weight[t], 9), -len(t), t))
        chosen = ranked[:top]
        if len(chosen) < top:
            chosen += [t for t in sorted(weight, key=lambda t: (-round(weight[t], 9), -len(t), t)) if t not in chosen][
                : top - len(chosen)
            ]
        return [max(surface[t].items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0] for t in chosen]


def noun_phrases(texts: list[str]) -> list[list[str]] | None:
    """Per text, its candidate subject phrases as written ("certificate expiry", "Priority-classes",
    "alert noise"), through spaCy's noun chunks; None when no pipeline loads.

    From each chunk: the run of nouns, proper nouns and narrowing adjectives that ends at its
    head, without leading vague adjectives; a chunk whose head is a vague noun ("the first
    place", "logistical issues") gives only its other nouns ("GitHub issues" gives "GitHub")."""
    try:
        from reviewer import nlp

        pipeline = nlp.load()
    except Exception:  # no pipeline, no phrases: the names fall back to terms
        return None
    disable = [p for p in ("ner",) if pipeline.has_pipe(p)]
    return [_chunk_phrases(doc) for doc in pipeline.pipe(texts, disable=disable)]


def _chunk_phrases(doc) -> list[str]:
    out: list[str] = []
    for chunk in doc.noun_chunks:
        head = chunk.root
        tokens = [t for t in chunk if t.i <= head.i and t.pos_ in ("NOUN", "PROPN", "ADJ")]
        run: list = []
        for t in tokens:  # contiguous run ending at the head
            joined = bool(run) and (t.i == run[-1].i + 1 or _hyphen(doc, run[-1], t))
            run = [*run, t] if joined else [t]
        if not run or run[-1].i != head.i:
            run = [head] if head.pos_ in ("NOUN", "PROPN") else []
        while run and (run[0].lower_ in VAGUE_ADJECTIVES or (run[0].pos_ == "ADJ" and run[0].is_stop)):
            run = run[1:]  # "General alert noise": spaCy may tag a capitalised adjective as a proper noun
        if not run:
            continue
        if _vague(head):  # "memory leak bug" is about a memory leak, "GitHub issues" about GitHub
            run = run[:-1]
            while run and run[-1].pos_ not in ("NOUN", "PROPN"):
                run = run[:-1]
            if not run or _vague(run[-1]):
                continue
        if len(run) == 1 and run[0].lemma_.lower() in BROAD_NOUNS:
            continue
        if any(c.isdigit() for t in run for c in t.text):
            continue  # "1h50m", "v2": a duration or a version number is no subject
        while run and run[0].pos_ == "ADJ" and len(run) > 1 and run[0].lower_ in GENERIC:
            run = run[1:]
        out.append(_surface(doc, run))
    return [p for p in dict.fromkeys(out) if words(p)]


def _hyphen(doc, left, right) -> bool:
    """``Priority-classes``: spaCy splits it into three tokens, the hyphen between."""
    return right.i == left.i + 2 and doc[left.i + 1].text == "-" and not left.whitespace_


def _vague(token) -> bool:
    return token.lemma_.lower() in VAGUE_NOUNS or token.lower_ in VAGUE_NOUNS or token.is_stop


def _surface(doc, run: list) -> str:
    """The phrase as written, lower case except proper nouns and acronyms ("Slack channel", "QA suite")."""
    span = doc[run[0].i : run[-1].i + 1]
    parts = []
    for t in span:
        keep = t.pos_ == "PROPN" or (t.text.isupper() and len(t.text) > 1) or any(c.isupper() for c in t.text[1:])
        parts.append((t.text if keep else t.text.lower()) + t.whitespace_)
    return "".join(parts).strip()


def subject(
    members: list[int], incident_of: list[str], phrases: list[list[str]], namer: Namer, top: int = PHRASES
) -> list[str]:
    """The cluster's best noun phrases: used (every content word of them) by at least two of
    its incidents; ranked by how many incidents use them, then by class-based TF-IDF weight,
    then the shorter. A second phrase is added only when it shares no word with the first."""
    weight = namer.weights(members)
    used: dict[str, set[str]] = {}
    for i in members:
        used.setdefault(incident_of[i], set()).update(s for s, _ in namer.tokens[i])
    candidates: dict[frozenset[str], Counter[str]] = {}
    for i in members:
        for phrase in phrases[i]:
            stems = frozenset(s for s, _ in words(phrase))
            if stems:
                candidates.setdefault(stems, Counter())[phrase] += 1
    scored = []
    for stems, forms in candidates.items():
        support = sum(1 for have in used.values() if stems <= have)
        if support < 2:
            continue
        form = min(forms, key=lambda f: (-forms[f], len(f), f))
        scored.append((-support, -round(sum(weight.get(s, 0.0) for s in stems), 9), len(form), form, stems))
    scored.sort()
    chosen: list[tuple[str, frozenset[str]]] = []
    for *_, form, stems in scored:
        if len(chosen) >= top:
            break
        if any(stems & other or form.lower() in f.lower() or f.lower() in form.lower() for f, other in chosen):
            continue
        chosen.append((form, stems))
    return [form for form, _ in chosen]


LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`)")


def plain(text: str) -> str:
    """A factor as a reader quotes it: Markdown links reduced to their text, emphasis and code
    marks dropped ("**Customer comms** – …" → "Customer comms – …")."""
    return " ".join(EMPHASIS.sub("", LINK.sub(r"\1", text)).split())


def medoid(vectors: np.ndarray) -> int:
    """Index of the member closest to all the others (highest summed cosine; first on ties)."""
    if len(vectors) <= 2:
        return 0
    sims = vectors @ vectors.T
    return int(np.argmax(sims.sum(axis=1)))
