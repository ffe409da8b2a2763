"""One reading of a document's sections: headings named by meaning, bold lead-ins as sections,
and the factors read from whatever layout a team uses. Fixtures are written for the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.engine import section_aliases
from reviewer.factors import factors, title_of
from reviewer.headings import expand, roles, stem
from reviewer.markdown import parse
from reviewer.source import Source

ALIASES = tuple((k, tuple(v)) for k, v in section_aliases().items())


def doc_of(text: str):
    return parse(Source("doc.md", text), section_aliases())


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Corrective Action", ("action_items",)),
        ("Preventive Measure", ("action_items",)),
        ("Future measures", ("action_items",)),
        ("Contributing Factor", ("contributing_factors",)),
        ("Root Cause", ("contributing_factors",)),
        ("How did this happen?", ("contributing_factors",)),
        ("Five whys", ("contributing_factors",)),
        ("Corrective and Preventative Measures", ("action_items",)),
        ("Learnings and Next Improvements", ("lessons_learned", "action_items")),
        ("Root causes & follow-ups", ("contributing_factors", "action_items")),
        ("Impact analysis", ("impact",)),
        ("Timeline of actions", ("timeline",)),
        ("Actions taken", ("resolution",)),
        ("What happened and why", ("contributing_factors",)),
        ("Incident timeline (UTC)", ("timeline",)),
        ("Affected customers", ("impact",)),
        # a title that mentions a section word deep inside is no section
        ("Config push causing checkout errors in two regions", ()),
        ("Thanks", ()),
        ("Conclusions", ("lessons_learned",)),
        ("How are we preventing it from happening again?", ("action_items",)),
        # a question about learning is lessons, whatever its modal; "improve" adds the actions
        ("What could we learn from this outage and improve?", ("lessons_learned", "action_items")),
        ("What do we learn?", ("lessons_learned",)),
    ],
)
def test_headings_are_named_by_the_stems_of_their_words(heading: str, expected: tuple[str, ...]) -> None:
    assert roles(heading, ALIASES) == expected


def test_alias_patterns_expand_to_their_phrases() -> None:
    assert expand("action items?") == ["action item", "action items"]
    assert expand("follow ?ups?") == ["follow up", "follow ups", "followup", "followups"]
    assert expand(r"affected \w+") is None  # unbounded: matched as a pattern
    assert stem("measures") == stem("measure") and stem("corrective") == stem("correction")
    assert stem("causes") == stem("cause") and stem("learnings") == stem("learned")


LEAD_INS = """# 2026-10-02 Billing queue stalled

- **Summary**: the billing queue stopped for 40 minutes.
- **Impact**: 1,200 invoices were delayed by up to 40 minutes.
- **Background**:
  - the consumer pool had been resized the week before
- **Follow-up work**:
  - Add an alert on consumer lag above 5 minutes (@billing, P1)
- A closing bullet that belongs to the title section.

**Root cause:** the retry policy doubled the traffic whenever the consumers slowed down.
"""


def test_bold_lead_ins_are_sections_with_their_nested_items() -> None:
    doc = doc_of(LEAD_INS)
    named = {s.title: s for s in doc.sections if s.lead_in}
    assert {t: s.canonical for t, s in named.items()} == {
        "Summary": "summary",
        "Impact": "impact",
        "Background": "summary",
        "Follow-up work": "action_items",
        "Root cause": "contributing_factors",
    }
    text = doc.source.text
    nested = text.index("Add an alert")
    assert doc.section_of(nested).title == "Follow-up work"
    # after the labelled item ends, the text is the title section's again
    assert doc.section_of(text.index("A closing bullet")).title == "2026-10-02 Billing queue stalled"
    assert doc.sections_named("action_items") == {i for i, s in enumerate(doc.sections) if s.title == "Follow-up work"}
    # the factor is the statement after the label
    assert [f.text for f in factors(doc)] == [
        "the retry policy doubled the traffic whenever the consumers slowed down."
    ]


def test_a_bold_label_inside_a_named_section_is_content() -> None:
    doc = doc_of("# T\n\n## Contributing factors\n\n- **Detection**: the lag alert paged an unwatched channel.\n")
    assert [s.title for s in doc.sections] == ["T", "Contributing factors"]
    assert [f.line for f in factors(doc)] == [5]


def test_without_a_factor_section_the_sentences_that_explain_are_factors() -> None:
    doc = doc_of(
        "# Login outage\n\n## What happened\n\n"
        "Logins failed for an hour. The failures were caused by an expired signing certificate. "
        "Support answered 300 tickets.\n\n## Timeline\n\n- 10:00 UTC the deploy failed because of a lock\n"
    )
    assert [f.clean for f in factors(doc)] == ["The failures were caused by an expired signing certificate."]


def test_a_factor_section_is_read_whatever_it_is_called() -> None:
    doc = doc_of(
        "# Search timeouts\n\n## How did this happen?\n\n- The ranking service had no request timeout at all.\n"
        "  - Its client retried every failure three times, tripling the load.\n\n## Next steps\n\n"
        "- Add a 2 s timeout to the ranking client (@search, P1)\n"
    )
    assert [f.line for f in factors(doc)] == [5, 6]


def test_the_title_is_not_a_section_label_or_a_placeholder() -> None:
    assert (
        title_of(doc_of("## Summary\n\nText.\n\n## Root cause of the outage\n\nText.\n"), "a/2026-pm.md") == "2026-pm"
    )
    assert title_of(doc_of("# Title: Cache stampede\n\n## Summary\n\nx\n"), "p.md") == "Cache stampede"
    assert (
        title_of(doc_of("# Root cause of the DNS outage\n\n## Timeline\n\nx\n"), "p.md")
        == "Root cause of the DNS outage"
    )


INTRO = """# Leaked deploy token

Last Tuesday a deploy token for the registry was published in a public build log, and for
six hours anyone could have pushed images with it before it was revoked by the on-call.

## Timeline

- 09:00 UTC token printed in a log

## Contributing factors

- The build step echoed its environment when it failed.

## Action items

- Mask registry tokens in build logs (@ci, P1)
"""


def test_an_unheaded_intro_is_the_summary(cli, tmp_path: Path) -> None:
    path = tmp_path / "pm.md"
    path.write_text(INTRO, encoding="utf-8")
    result = cli("review", "--select", "ST001", "--format", "json", path)
    missing = [f["message"] for f in __import__("json").loads(result.stdout)["findings"]]
    assert not any("Summary" in m for m in missing), missing
    assert any("Impact" in m for m in missing)


def test_corpus_stats_lists_documents_it_could_not_read(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2026-01-10-good.md").write_text(INTRO, encoding="utf-8")
    (corpus / "2026-02-11-notes.md").write_text("# Notes\n\nWe met and talked about the weather.\n", encoding="utf-8")
    assert cli("corpus", "index", corpus).exit_code == 0
    out = cli("corpus", "stats", corpus).stdout
    assert "no factors:      1\n  2026-02-11-notes.md\n" in out
    assert "no action items: 1\n  2026-02-11-notes.md\n" in out


def test_toml_front_matter_gives_title_and_date() -> None:
    from reviewer.dates import document_date

    doc = doc_of('+++\ntitle = "Registry outage on 2026-03-02"\ndate = 2026-03-04\n+++\n\nThe registry was down.\n')
    assert doc.front_matter is not None and "title" in doc.front_matter
    meta = {"title": "Registry outage on 2026-03-02"}
    assert title_of(doc, "blog/post.md", meta) == "Registry outage on 2026-03-02"
    assert str(document_date(doc.front_matter, doc.source.text, "blog/post.md")) == "2026-03-04"
    assert "title" not in doc.masked  # front matter is not prose


def test_a_line_that_is_only_a_section_name_is_a_heading_wherever_it_is() -> None:
    doc = doc_of(
        "# T\n\n## Detection\n\nPeople told us.\n\nAction Items\n- Alert on certificate expiry within 14 days\n"
    )
    item = doc.source.text.index("Alert on")
    assert doc.section_of(item).canonical == "action_items"


def test_what_went_wrong_stands_for_contributing_factors(cli, tmp_path: Path) -> None:
    import json

    text = INTRO.replace("## Contributing factors", "## What went wrong")
    path = tmp_path / "pm.md"
    path.write_text(text, encoding="utf-8")
    result = cli("review", "--select", "ST001", "--format", "json", path)
    missing = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert not any("Contributing factors" in m for m in missing), missing


def test_what_went_well_under_lessons_learnt_is_no_factor_and_what_went_wrong_is() -> None:
    doc = doc_of(
        "# Cache outage\n\n## Summary\n\nThe cache was down.\n\n## Lessons learnt\n\n### What went well\n\n"
        "1. The on-call engineer found the bad node within minutes.\n\n### What went wrong\n\n"
        "1. The eviction alert went only to a mailing list nobody reads.\n"
    )
    assert roles("Lessons learnt", ALIASES) == ("lessons_learned",)
    assert [f.text for f in factors(doc)] == ["The eviction alert went only to a mailing list nobody reads."]


def test_a_bold_lead_in_inside_a_factor_section_labels_a_factor() -> None:
    doc = doc_of(
        "# Cache outage\n\n## Root causes\n\n1. **Config drift**: the staging cache had twice the memory of prod.\n"
        "2. **Detection gaps**: no alert watched the eviction rate of the cache.\n"
    )
    assert [f.line for f in factors(doc)] == [5, 6]


def test_a_summary_is_the_factor_only_where_nothing_else_says_why() -> None:
    text = "# Viral repo\n\n## Summary\n\nA repository was shared on a forum and 600 builds queued at once.\n\n"
    assert [f.line for f in factors(doc_of(text + "## Timeline\n\n- 04:19 UTC Builds queue up.\n"))] == [5]
    with_cause = text + "## Contributing factors\n\n- The build queue had no per-repository limit.\n"
    assert [f.line for f in factors(doc_of(with_cause))] == [9]
    assert factors(doc_of("# Notes\n\nWe met and talked about the weather.\n")) == []


def test_a_footnote_definition_is_prose_not_indented_code() -> None:
    doc = doc_of(
        "# Privileges\n\n## Response\n\nWe removed the stale role.[^1]\n\n[^1]:\n"
        "    Another thing to work on: the team role is tied to the user, not to the organisation role.\n"
    )
    body = [b for b in doc.blocks if b.kind == "paragraph" and "Another thing" in doc.source.text[b.start : b.end]]
    assert len(body) == 1 and body[0].line == 8
    assert not doc.in_code(body[0].start, body[0].end)


def test_a_template_prompt_left_in_is_no_factor() -> None:
    doc = doc_of(
        "# Logs missing\n\n## What went wrong\n\nThings that could have gone better.\n\n"
        "- The node had no IP address in its metadata.\n"
    )
    assert [f.text for f in factors(doc)] == ["The node had no IP address in its metadata."]


def test_a_question_in_a_factor_section_is_no_factor_unless_it_explains() -> None:
    doc = doc_of(
        "# Hub locked\n\n## Investigation\n\nWhy did the volume stay attached?\n\n"
        "Was the node drained first?\n\nThe old pod kept its claim on the volume.\n\n"
        "Did the claim stay because the pod was never culled?\n"
    )
    assert [f.line for f in factors(doc)] == [9, 11]
