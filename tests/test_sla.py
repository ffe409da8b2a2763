"""Priority SLAs: completion dates from the document and from git, the per-item verdict, the
policy's configuration, and the report's ``sla`` key."""

from __future__ import annotations

import pytest

from reviewer.actions import extract
from reviewer.completion import in_cell, in_text
from reviewer.engine import section_aliases
from reviewer.markdown import parse
from reviewer.source import decode

HEAD = "---\ndate: 2026-11-03\n---\n# Postmortem: cache stampede\n\n## Summary\n\nx\n\n"


def items(text: str, path: str = "draft.md"):
    return extract(parse(decode(path, text.encode()), section_aliases()))


def one(line: str, head: str = HEAD):
    found = items(head + "## Action items\n\n" + line + "\n")
    assert len(found) == 1, found
    return found[0]


# --- completion dates in the document ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "completed"),
    [
        ("- [x] Add a hit-rate alert. Owner: @cache, P1 (done 2026-11-20)", "2026-11-20"),
        ("- [x] Add a hit-rate alert. Owner: @cache, P1. Completed on 20 Nov.", "2026-11-20"),
        ("- Add a hit-rate alert, @cache, P1 (done: Nov 20)", "2026-11-20"),
        ("- Add a hit-rate alert, @cache, P0. Closed at Jan 4, 2027.", "2027-01-04"),
        ("- [x] ✅ 2026-11-21 Add a hit-rate alert, @cache, P1", "2026-11-21"),
        # plans and deadlines are no completion
        ("- [ ] Add a hit-rate alert, @cache, P1, to be completed on 2026-11-20", None),
        ("- [ ] Add a hit-rate alert, @cache, P1, done by 2026-11-20", None),
        ("- [ ] Add a hit-rate alert, @cache, P1, will be done Nov 20", None),
        ("- [x] Add a hit-rate alert, @cache, P1", None),
        ("- Add a hit-rate alert, @cache, P1 (done 2026-02-31)", None),  # no such day
    ],
)
def test_a_completion_note_in_the_item_text(line: str, completed: str | None) -> None:
    assert one(line).completed == completed


def test_a_completion_note_makes_an_unstated_status_done_and_is_not_the_deadline() -> None:
    item = one("- Add a hit-rate alert. Owner: @cache, P1 (done: Nov 20)")
    assert item.status == "done"
    assert item.deadline is None  # the only date is when it was done, not when it was due
    record = item.record()
    assert record["completed"] == "2026-11-20"
    assert record["deadline_date"] is None


def test_a_deadline_and_a_completion_note_are_both_kept() -> None:
    item = one("- [x] Add a hit-rate alert. Owner: @cache, due 2026-11-15 (done 2026-11-20)")
    assert item.deadline is not None and item.deadline.iso == "2026-11-15"
    assert item.completed == "2026-11-20"


def test_a_yearless_completion_without_a_postmortem_date_is_not_guessed() -> None:
    head = "# Postmortem: cache stampede\n\n## Summary\n\nx\n\n"
    item = one("- [x] Add a hit-rate alert, @cache, P1 (done: Nov 20)", head=head)
    assert item.completed is None
    assert item.status == "done"


TABLE = """## Action items

| Action | Owner | Priority | {header} |
|---|---|---|---|
| Add a hit-rate alert | @cache | P1 | {cell} |
"""


@pytest.mark.parametrize(
    ("header", "cell", "status", "completed"),
    [
        ("Done date", "2026-11-20", "done", "2026-11-20"),
        ("Completed on", "Nov 20", "done", "2026-11-20"),
        ("Date completed", "20 November 2026", "done", "2026-11-20"),
        ("Closed", "2026-11-20", "done", "2026-11-20"),
        ("Closed", "yes", "done", None),
        ("Done date", "", None, None),
        ("Completion date", "not yet", "open", None),
        # a status column: a date alone means done on that day; a date with a plan does not
        ("Status", "2026-11-20", "done", "2026-11-20"),
        ("Status", "Done 2026-11-20", "done", "2026-11-20"),
        ("Status", "open, due 2026-12-01", "open", None),
        ("Done?", "yes", "done", None),
        ("Completed", "2026-11-20", "done", "2026-11-20"),
        ("Completed", "no", "open", None),
    ],
)
def test_a_completion_column_or_a_date_in_the_status_cell(
    header: str, cell: str, status: str | None, completed: str | None
) -> None:
    (item,) = items(HEAD + TABLE.format(header=header, cell=cell))
    assert item.text.strip() == "Add a hit-rate alert"
    assert item.status == status
    assert item.completed == completed


def test_status_and_completion_columns_together() -> None:
    text = (
        HEAD + "## Action items\n\n| Action | Owner | Status | Done date |\n|---|---|---|---|\n"
        "| Add a hit-rate alert | @cache | Done | 2026-11-20 |\n"
        "| Split the cache pool | @cache | Open | |\n"
    )
    first, second = items(text)
    assert (first.status, first.completed) == ("done", "2026-11-20")
    assert (second.status, second.completed) == ("open", None)


def test_the_parsers_directly() -> None:
    from datetime import date

    ref = date(2026, 11, 3)
    assert in_text("fixed on 2026-11-09", ref) == ("2026-11-09", 9, 19)
    assert in_text("expected completion 2026-11-09", ref) is None
    assert in_cell("2026-11-09", ref, "status") == "2026-11-09"
    assert in_cell("target 2026-11-09", ref, "status") is None
    assert in_cell("target 2026-11-09", ref, "completed") == "2026-11-09"
