"""Action items: every form, owner and deadline form, config, suppressions, and bad tables."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reviewer.actions import extract
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


def codes(review, text: str, **options) -> set[str]:
    return {f.code for f in review(text, **options)}


# --- finding the items ------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "Action items",
        "Follow-ups",
        "Follow-up work",
        "Remediation",
        "Corrective actions",
        "Next steps",
        "Preventive measures",
        "TODO",
        "Long-term improvements",
    ],
)
def test_action_sections_by_meaning(heading: str) -> None:
    assert len(items(f"# Postmortem\n\n## {heading}\n\n- Add jitter to TTLs. Owner: @cache, P1\n")) == 1


def test_items_outside_action_sections_are_not_items() -> None:
    assert items("# Postmortem\n\n## Contributing factors\n\n- No jitter on TTLs.\n") == []


def test_checkbox_state_and_forms() -> None:
    found = items(HEAD + "## Action items\n\n- [ ] Open one (@a, P1)\n- [x] Done one (@a, P1)\n1. Numbered (@a, P1)\n")
    assert [(i.form, i.status) for i in found] == [("checkbox", "open"), ("checkbox", "done"), ("numbered", None)]


def test_multi_line_and_nested_items_belong_to_their_parent() -> None:
    found = items(
        HEAD + "## Action items\n\n- Add jitter to cache TTLs\n  across every region.\n  - sub-step one\n"
        "  - sub-step two, owner @cache\n- Second item (@b, P2)\n"
    )
    assert len(found) == 2
    first = found[0]
    assert first.line == 12 and first.end_line == 15
    assert "across every region" in first.text and "sub-step" not in first.text


def test_table_with_reordered_and_missing_columns() -> None:
    table = (
        "| Due | Owner | Task | Status |\n|---|---|---|---|\n"
        "| 2026-12-01 | @cache | Add jitter to TTLs | done |\n"
        "| Q1 2027 |  | Shard the cache | open |\n"
    )
    first, second = items(HEAD + "## Action items\n\n" + table)
    assert (first.text, first.owner, first.deadline.iso, first.status) == (
        "Add jitter to TTLs",
        "@cache",
        "2026-12-01",
        "done",
    )
    assert (second.owner, second.owner_missing_reason, second.deadline.iso, second.status) == (
        None,
        "empty owner cell",
        "2027-03-31",
        "open",
    )


@pytest.mark.parametrize(
    "table",
    [
        "| Action | Owner |\n|---|---|\n| Add jitter | @cache | extra cell |\n| Shard |\n",  # ragged rows
        "| Add jitter | @cache |\n| Shard | @db |\n",  # no header/delimiter: a paragraph
        "| | |\n|---|---|\n| | |\n",  # empty header
    ],
)
def test_bad_tables_do_not_crash(table: str, review) -> None:
    items(HEAD + "## Action items\n\n" + table)
    review(HEAD + "## Action items\n\n" + table)


# --- owners -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "owner"),
    [
        ("- Add jitter. Owner: Dana Ito, due 2026-12-01.", "Dana Ito"),
        ("- Add jitter. DRI: @cache-team", "@cache-team"),
        ("- Add jitter, assigned to Priya Nair, P1.", "Priya Nair"),
        ("- Add jitter (Storage team, by Friday).", "Storage team"),
        ("- Add jitter — Release Eng — due 2026-12-01", "Release Eng"),
        ("- Add jitter to cache TTLs. @cache", "@cache"),
    ],
)
def test_owner_forms(line: str, owner: str) -> None:
    assert one(line).owner == owner


@pytest.mark.parametrize(
    "line",
    [
        "- Add jitter. Owner: TBD.",
        "- Add jitter. Owner: ?",
        "- Add jitter (someone from QA?).",
        "- Add jitter. Owner: N/A",
        "- Add jitter to cache TTLs.",
        "- Everyone should add jitter.",
    ],
)
def test_not_owners(line: str) -> None:
    assert one(line).owner is None


# --- deadlines ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("due 2026-12-01", "2026-12-01"),
        ("by 14 December", "2026-12-14"),
        ("by Friday", "2026-11-06"),  # 2026-11-03 is a Tuesday
        ("Q1 2027", "2027-03-31"),
        ("within two weeks", "2026-11-17"),
        ("by end of January", "2027-01-31"),
        ("end of sprint 48", None),  # a deadline, but no calendar to resolve it
        ("next sprint", None),
    ],
)
def test_deadline_forms_resolve_against_the_document_date(text: str, iso: str | None) -> None:
    item = one(f"- Add jitter to TTLs. Owner: @cache, {text}.")
    assert item.deadline is not None and item.deadline.iso == iso


def test_relative_deadline_without_a_document_date() -> None:
    item = one("- Add jitter to TTLs. Owner: @cache, within two weeks.", head="# Postmortem\n\n## Summary\n\nx\n\n")
    assert item.deadline is not None and item.deadline.iso is None


def test_document_date_from_file_name_and_date_line() -> None:
    by_name = items(
        "# Postmortem\n\n## Action items\n\n- Add jitter, @cache, within two weeks.\n", "2026-01-10-cache.md"
    )
    assert by_name[0].deadline.iso == "2026-01-24"
    by_line = items(
        "# Postmortem\n\n**Date:** 2026-02-01\n\n## Action items\n\n- Add jitter, @cache, within one week.\n"
    )
    assert by_line[0].deadline.iso == "2026-02-08"


@pytest.mark.parametrize(
    ("line", "priority"),
    [
        ("- Add jitter (@cache, P1)", "P1"),
        ("- [P0] Add jitter, @cache", "P0"),
        ("- Add jitter, @cache, high priority", "P1"),
    ],
)
def test_priorities(line: str, priority: str) -> None:
    assert one(line).priority == priority


def test_ticket() -> None:
    assert one("- Add jitter (@cache, P1), tracked in CACHE-123").ticket == "CACHE-123"


# --- the rules on a document --------------------------------------------------------

COMPLETE = "- Page when cache hit rate drops below 80% for 5 minutes. Owner: @cache, due 2026-12-01."


def test_complete_item_passes_every_ai_rule(review) -> None:
    assert not {c for c in codes(review, HEAD + "## Action items\n\n" + COMPLETE + "\n") if c.startswith("AI")}


def test_priority_counts_as_deadline_unless_configured(review, tmp_path, review_files) -> None:
    text = HEAD + "## Action items\n\n- Page on low hit rate below 80%. Owner: @cache, P1.\n"
    assert "AI002" not in codes(review, text)
    (tmp_path / ".pmreview.toml").write_text("priority-counts-as-deadline = false\n")
    draft = tmp_path / "draft.md"
    draft.write_text(text)
    report = review_files(draft)
    assert "AI002" in {f.code for f in report.findings}


def test_max_action_items_from_config(tmp_path, review_files) -> None:
    (tmp_path / ".pmreview.toml").write_text("max-action-items = 2\n")
    draft = tmp_path / "draft.md"
    draft.write_text(HEAD + "## Action items\n\n" + "\n".join([COMPLETE] * 3) + "\n")
    assert "AI005" in {f.code for f in review_files(draft).findings}


def test_template_and_section_aliases_from_config(tmp_path, review_files) -> None:
    (tmp_path / ".pmreview.toml").write_text(
        'required-sections = ["summary", "customer_effect"]\nsection-aliases = {customer_effect = ["customer effect"]}\n'
    )
    draft = tmp_path / "draft.md"
    draft.write_text("# Postmortem\n\n## Summary\n\nx\n\n## Timeline\n\n- 10:00 UTC x\n")
    messages = [f.message for f in review_files(draft).findings if f.code == "ST001"]
    assert messages == ["The postmortem has no Customer effect section."]
    draft.write_text("# Postmortem\n\n## Summary\n\nx\n\n## Customer effect\n\n9% of checkouts failed.\n")
    assert not [f for f in review_files(draft).findings if f.code == "ST001"]


def test_suppression_on_an_item(review) -> None:
    text = (
        HEAD
        + "## Action items\n\n<!-- pmreview-disable-next-line AI001 -->\n- Page on hit rate below 80%, due 2026-12-01.\n"
    )
    found = codes(review, text)
    assert "AI001" not in found and "PM001" not in found


def test_done_items_are_not_flagged(review) -> None:
    text = HEAD + "## Action items\n\n- [x] Improve monitoring.\n"
    assert not {c for c in codes(review, text) if c in ("AI001", "AI002", "AI003", "AI004")}


def test_completed_subsection_marks_items_done() -> None:
    found = items(HEAD + "## Action items\n\n### Immediate actions (completed)\n\n- Rolled back the TTL change.\n")
    assert found[0].status == "done"


# --- structure ----------------------------------------------------------------------


def test_timeline_zone_declared_in_a_line(review) -> None:
    text = HEAD + "## Timeline\n\nAll times are UTC.\n\n- 10:00 Alert fires.\n- 10:05 Rollback.\n"
    assert "ST003" not in codes(review, text)


def test_impact_in_a_subsection_counts(review) -> None:
    text = HEAD + "## Impact\n\n### Scope\n\n- 12% of requests failed for 9 minutes.\n"
    assert "ST004" not in codes(review, text)


# --- export -------------------------------------------------------------------------


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / "2026-11-03-cache.md"
    path.write_text("# Postmortem\n\n## Summary\n\nx\n\n## Action items\n\n" + COMPLETE + "\n- Improve monitoring.\n")
    return path


def test_actions_command_json_csv_markdown(draft, cli) -> None:
    data = json.loads(cli("actions", draft, "--format", "json").output)
    first, second = data["action_items"]
    assert (first["owner"], first["deadline_date"], first["fails"]) == ("@cache", "2026-12-01", [])
    assert second["fails"] == ["AI001", "AI002", "AI003"]
    rows = list(csv.DictReader(io.StringIO(cli("actions", draft, "--format", "csv").output)))
    assert [r["owner"] for r in rows] == ["@cache", ""]
    markdown = cli("actions", draft, "--format", "markdown").output
    assert markdown.splitlines()[0].startswith("| File | Line |") and "Improve monitoring." in markdown


def test_review_json_carries_the_records(draft, cli) -> None:
    data = json.loads(cli("review", draft, "--format", "json", "--no-cache").output)
    (document,) = data["documents"]
    assert [i["line"] for i in document["action_items"]] == [9, 10]


def test_an_item_that_is_only_a_ticket_defers_to_the_tracker(review) -> None:
    text = HEAD + "## Follow-up improvements\n\n- #2213\n- CACHE-77\n- Improve monitoring\n"
    flagged = [f for f in review(text) if f.code in ("AI001", "AI002", "AI003")]
    assert {f.line for f in flagged} == {14}


MISSING_ACTIONS = (
    "# Postmortem: disk full on db-2\n\n## Summary\n\nThe data disk filled up at 03:10 UTC and writes stopped.\n\n"
    "## Timeline\n\n- 03:10 UTC disk alert\n"
)


def test_missing_action_items_reported_once(review) -> None:
    both = [(f.code, f.message) for f in review(MISSING_ACTIONS, select=("AI006", "ST001"))]
    assert [c for c, _ in both].count("AI006") == 1
    assert not any(c == "ST001" and "Action items" in m for c, m in both)  # AI006 says it, with the why
    assert any(c == "ST001" and "Impact" in m for c, m in both)  # other sections are still ST001's
    alone = [(f.code, f.message) for f in review(MISSING_ACTIONS, select=("ST001",))]
    assert any(c == "ST001" and "Action items" in m for c, m in alone)
