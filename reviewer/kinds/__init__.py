"""Rule kinds: the only Python a rule needs. A new kind is one module and one entry here."""

from __future__ import annotations

from reviewer.kinds.action_items import ActionItems
from reviewer.kinds.agent_phrase import AgentPhrase
from reviewer.kinds.base import Context, Hit, Kind
from reviewer.kinds.cause_framing import CauseFraming
from reviewer.kinds.classifier import Classifier
from reviewer.kinds.directive import Directive
from reviewer.kinds.phrase import Phrase
from reviewer.kinds.question import Question
from reviewer.kinds.recurrence import Recurrence
from reviewer.kinds.structure import Structure

KINDS: dict[str, type[Kind]] = {
    "phrase": Phrase,
    "agent-phrase": AgentPhrase,
    "question": Question,
    "directive": Directive,
    "classifier": Classifier,
    "action-items": ActionItems,
    "structure": Structure,
    "recurrence": Recurrence,
    "cause-framing": CauseFraming,
}

__all__ = ["KINDS", "Context", "Hit", "Kind"]
