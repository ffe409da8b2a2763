"""``directive``: findings about pmreview's own suppression comments.

The suppression pass (``reviewer.suppress``) reports these, because only it knows
whether a directive suppressed anything; the rule file carries the code, message
and docs like any other rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from reviewer.kinds.base import Context, Hit, Kind
from reviewer.sentences import Sentence


class Directive(Kind):
    keys: ClassVar[dict[str, bool]] = {}
    document_scope: ClassVar[bool] = True

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return False

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        return ()
