"""Just enough English verb inflection to write suggested rewrites ("roll back" -> "rolling back")."""

from __future__ import annotations

IRREGULAR_PARTICIPLES = {
    "be": "been",
    "begin": "begun",
    "break": "broken",
    "bring": "brought",
    "build": "built",
    "buy": "bought",
    "catch": "caught",
    "choose": "chosen",
    "come": "come",
    "cut": "cut",
    "do": "done",
    "draw": "drawn",
    "drive": "driven",
    "eat": "eaten",
    "fall": "fallen",
    "feel": "felt",
    "find": "found",
    "forget": "forgotten",
    "freeze": "frozen",
    "get": "gotten",
    "give": "given",
    "go": "gone",
    "have": "had",
    "hear": "heard",
    "hide": "hidden",
    "hit": "hit",
    "hold": "held",
    "keep": "kept",
    "know": "known",
    "lead": "led",
    "leave": "left",
    "let": "let",
    "lose": "lost",
    "make": "made",
    "mean": "meant",
    "meet": "met",
    "miss": "missed",
    "pay": "paid",
    "put": "put",
    "read": "read",
    "ride": "ridden",
    "ring": "rung",
    "rise": "risen",
    "run": "run",
    "say": "said",
    "see": "seen",
    "sell": "sold",
    "send": "sent",
    "set": "set",
    "shake": "shaken",
    "shoot": "shot",
    "show": "shown",
    "shut": "shut",
    "sign": "signed",
    "sit": "sat",
    "sleep": "slept",
    "speak": "spoken",
    "spend": "spent",
    "spin": "spun",
    "split": "split",
    "spread": "spread",
    "stand": "stood",
    "steal": "stolen",
    "stick": "stuck",
    "strike": "struck",
    "swing": "swung",
    "take": "taken",
    "teach": "taught",
    "tear": "torn",
    "tell": "told",
    "think": "thought",
    "throw": "thrown",
    "understand": "understood",
    "wake": "woken",
    "wear": "worn",
    "win": "won",
    "write": "written",
    "rebuild": "rebuilt",
    "rewrite": "rewritten",
    "undo": "undone",
}
VOWELS = set("aeiou")
STRESSED_FINAL = {
    "commit",
    "forget",
    "begin",
    "admit",
    "occur",
    "refer",
    "permit",
    "submit",
    "omit",
    "regret",
    "control",
    "patrol",
    "prefer",
    "upset",
    "equip",
    "rebut",
    "transmit",
    "compel",
    "deter",
    "emit",
}


def _double_final(verb: str) -> bool:
    """Short consonant-vowel-consonant verbs double the last letter: stop -> stopping."""
    if verb in STRESSED_FINAL:
        return True
    if len(verb) < 3 or verb[-1] in "wxy" or verb[-1] in VOWELS:
        return False
    vowel_groups = sum(1 for i, c in enumerate(verb) if c in VOWELS and (i == 0 or verb[i - 1] not in VOWELS))
    return vowel_groups == 1 and verb[-2] in VOWELS and verb[-3] not in VOWELS


def gerund(lemma: str) -> str:
    """The -ing form of a verb lemma; phrasal verbs inflect their first word."""
    head, _, rest = lemma.partition(" ")
    if head.endswith("ie"):
        form = head[:-2] + "ying"
    elif head.endswith("e") and not head.endswith(("ee", "ye", "oe")) and head != "be":
        form = head[:-1] + "ing"
    elif _double_final(head):
        form = head + head[-1] + "ing"
    else:
        form = head + "ing"
    return f"{form} {rest}".strip()


def participle(lemma: str) -> str:
    """The past participle of a verb lemma."""
    head, _, rest = lemma.partition(" ")
    if head in IRREGULAR_PARTICIPLES:
        form = IRREGULAR_PARTICIPLES[head]
    elif head.endswith("e"):
        form = head + "d"
    elif head.endswith("y") and len(head) > 1 and head[-2] not in VOWELS:
        form = head[:-1] + "ied"
    elif _double_final(head):
        form = head + head[-1] + "ed"
    else:
        form = head + "ed"
    return f"{form} {rest}".strip()
