"""Action items in the layouts real teams write (issue 12): unbulleted lines and prose under an
action heading, lessons phrased as something to do, commitments in any section, nested items split
or folded by meaning, status and priority in words, owners, advice to readers, and the AI003 /
AI004 judgements. The fixtures under tests/fixtures/layouts/ are invented documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.actions import ActionItem, extract
from reviewer.engine import section_aliases
from reviewer.markdown import parse
from reviewer.source import decode, read_source

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"


def items_of(name: str) -> list[ActionItem]:
    return extract(parse(read_source(FIXTURES / name), section_aliases()))


def items(text: str) -> list[ActionItem]:
    return extract(parse(decode("draft.md", text.encode()), section_aliases()))


def by_line(found: list[ActionItem]) -> dict[int, ActionItem]:
    return {i.line: i for i in found}


HEAD = "# Postmortem: cache stampede\n\n## Summary\n\nThe cache expired everywhere at once.\n\n"


# --- where the items are ----------------------------------------------------------


def test_unbulleted_lines_are_one_item_each() -> None:
    found = by_line(items_of("unbulleted.md"))
    assert {9, 10, 11} <= set(found)
    first = found[9]
    assert first.text == "Add a lag alert on the billing queue at 5,000 messages for 10 minutes"
    assert (first.line, first.end_line, first.form) == (9, 9, "paragraph")
    source = (FIXTURES / "unbulleted.md").read_text(encoding="utf-8")
    assert source[first.start : first.end] == first.text  # exact positions


def test_sentences_of_a_wrapped_paragraph_start_items_and_explanations_stay_with_them() -> None:
    found = by_line(items_of("unbulleted.md"))
    cap = found[13]
    assert " ".join(cap.text.split()).startswith("We will cap consumer prefetch at 50")
    assert "keeps the queue draining" in cap.text and cap.end_line == 14  # the explanation is part of it
    assert " ".join(found[14].text.split()).startswith("We are also looking into a dead-letter route")


def test_lessons_phrased_as_something_to_do_are_items_observations_are_not() -> None:
    assert sorted(by_line(items_of("lessons.md"))) == [10, 11, 12]


def test_no_items_in_what_went_wrong_or_lucky_even_when_imperative() -> None:
    found = items(HEAD + "## Action items\n\n- Add jitter to TTLs.\n\n### What went wrong\n\n- Add more caches.\n")
    assert [i.text for i in found] == ["Add jitter to TTLs."]


def test_commitments_in_prose_under_any_heading_but_not_in_the_timeline() -> None:
    found = items_of("prose_only.md")
    assert [(i.line, i.end_line) for i in found] == [(9, 10), (10, 11)]
    assert " ".join(found[0].text.split()).startswith("We should page on a failed sync run")


def test_a_snippet_of_one_sentence_is_not_read_as_a_document() -> None:
    assert items("We need to be more careful when we change shared modules.\n") == []


def test_advice_to_readers_is_not_an_item() -> None:
    found = items_of("nested.md")
    assert not [i for i in found if "rotate your own tokens" in i.text or "reinstall" in i.text]
    assert not [i for i in found if "expiry dashboard" in i.text]  # what went wrong


def test_an_introduction_ending_with_a_colon_is_not_an_item() -> None:
    found = items(HEAD + "## Postmortem\n\nWe are making these changes, beyond saying:\n\n- We will pin the image.\n")
    assert [i.text for i in found] == ["We will pin the image."]


def test_a_list_introduced_by_a_commitment_lists_actions() -> None:
    found = items(HEAD + "## Moving on\n\nWe are now focused on:\n\n- Sharding the cache\n- Jittering the TTLs\n")
    assert [i.text for i in found] == ["Sharding the cache", "Jittering the TTLs"]


# --- nested items -----------------------------------------------------------------


def test_bullets_under_a_numbered_title_are_its_details() -> None:
    found = by_line(items_of("nested.md"))
    title = found[9]
    assert title.text == "Key rotation runbook" and title.end_line == 12
    assert 11 not in found and 12 not in found


def test_a_nested_action_is_its_own_item_and_notes_belong_to_the_parent() -> None:
    found = by_line(items_of("nested.md"))
    assert 15 in found  # an order with its own object
    assert 16 not in found and 17 not in found  # a link, and a "this has been done" note
    assert found[14].status == "done"  # … which says the parent is done
    assert found[14].end_line == 17


def test_alternatives_after_one_of_are_one_item() -> None:
    found = by_line(items_of("nested.md"))
    assert found[18].end_line == 20 and 19 not in found and 20 not in found


# --- status, priority and owners in words -----------------------------------------


@pytest.mark.parametrize(
    ("line", "status"),
    [(23, "done"), (24, "done"), (25, "done"), (26, "open"), (27, "open"), (29, "done"), (21, None)],
)
def test_status_written_in_words(line: int, status: str | None) -> None:
    assert by_line(items_of("nested.md"))[line].status == status


def test_status_from_a_planned_heading_and_a_heading_quarter_as_deadline() -> None:
    found = items(HEAD + "## Action items\n\n### Planned actions (in progress)\n\n- Shard the cache\n")
    assert found[0].status == "open"
    found = items(HEAD + "## Action items\n\n### Long-term (Q4 2026)\n\n- Shard the cache\n")
    assert found[0].deadline is not None and found[0].deadline.iso == "2026-12-31"
    found = items(HEAD + "## Action items\n\n### This week\n\n- Shard the cache\n")
    assert found[0].deadline is None  # a relative time frame is no item's deadline


def test_a_past_tense_report_is_done_but_a_need_is_not() -> None:
    found = items(HEAD + "## Action items\n\n- We need a cache runbook.\n- We tweaked the TTL jitter.\n")
    assert [i.status for i in found] == [None, "done"]


def test_priority_in_capitals() -> None:
    assert by_line(items_of("nested.md"))[28].priority == "P1"


def test_link_text_is_no_owner_and_an_initial_and_surname_is() -> None:
    found = by_line(items_of("nested.md"))
    assert found[21].owner is None
    assert found[22].owner == "M. Okafor"
    linked = items(HEAD + "## Action items\n\n- Fix the cache key ([PR](https://example.invalid/pull/3))\n")
    assert linked[0].owner is None


@pytest.mark.parametrize(
    ("line", "owner"),
    [
        ("- DevEx will migrate the signer to the new vault.", "DevEx"),
        ("- The storage team should add a disk alert at 80%.", "storage team"),
        ("- Discuss the retry budget (Kim to call the meeting)", "Kim"),
        ("- Kubernetes will be upgraded to 1.30.", None),
    ],
)
def test_an_owner_named_as_the_subject(line: str, owner: str | None) -> None:
    assert items(HEAD + "## Action items\n\n" + line + "\n")[0].owner == owner


def test_a_done_column() -> None:
    found = items_of("table_done.md")
    assert [(i.status, i.owner) for i in found] == [("done", "@netops"), ("open", "@netops")]


# --- the rules --------------------------------------------------------------------


def test_ai006_silent_when_the_items_are_lessons_or_prose(review) -> None:
    for name in ("lessons.md", "prose_only.md", "unbulleted.md"):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        assert "AI006" not in {f.code for f in review(text, select="AI006")}, name


@pytest.mark.parametrize(
    ("item", "vague"),
    [
        ("Fix the known issue of CacheWarmer dropping keys ([PR](https://example.invalid/pull/9))", False),
        ("Investigate memory use of the Redis sidecar", False),
        ('Look into the "connection reset" errors from the proxy', False),
        ("Make sure the failover steps are documented", False),
        ("Minimise tribal knowledge in the release process", True),
        ("We need to devise a strategy for cache warm-up", True),
        ("Communicate better with support", True),
        ("Rewrite the backend", True),
        ("TBD: follow up on the noise", True),
        ("Set up more cache alerts", True),
    ],
)
def test_ai003_asks_whether_a_reader_could_tell_it_is_done(review, item: str, vague: bool) -> None:
    text = HEAD + "## Action items\n\n- " + item + " Owner: @cache, P1\n"
    assert ("AI003" in {f.code for f in review(text, select="AI003")}) is vague


@pytest.mark.parametrize(
    ("item", "vigilance"),
    [
        ("Test more carefully before deploying", True),
        ("Monitor more closely after releases", True),
        ("We should be more aware of changes late on a Friday", True),
        ("Raise an incident sooner when the cache misses climb", True),
        ("Read the release notes of every cache upgrade", True),
        ("Avoid editing the cache config by hand", True),
        ("Consider ways to have a system similar to staging for cache changes", False),
        ("Avoid 500 responses by retrying the cache read once", False),
        ("Make sure everyone on the rotation has access to the cache console", False),
        ("Add a canary that fails the deploy when the hit rate drops below 80%", False),
    ],
)
def test_ai004_asks_whether_it_changes_the_system_or_asks_people_to_try_harder(
    review, item: str, vigilance: bool
) -> None:
    text = HEAD + "## Action items\n\n- " + item + ". Owner: @cache, P1\n"
    assert ("AI004" in {f.code for f in review(text, select="AI004")}) is vigilance


def test_review_json_keeps_its_shape_for_new_layouts(cli) -> None:
    data = json.loads(cli("review", FIXTURES / "unbulleted.md", "--format", "json", "--no-cache").output)
    (document,) = data["documents"]
    assert [i["line"] for i in document["action_items"]] == [9, 10, 11, 13, 14]
    assert set(document["action_items"][0]) == {
        "text",
        "line",
        "end_line",
        "form",
        "status",
        "owner",
        "deadline",
        "deadline_date",
        "priority",
        "ticket",
        "section",
        "category",
        "fails",
        "completed",
    }


def test_a_sole_authors_first_person_commitment_is_owned_by_that_author(write) -> None:
    from reviewer.actions import extract
    from reviewer.markdown import parse
    from reviewer.source import read_source

    text = (
        "---\ntitle: Token leak\nauthors:\n  - kimlee\n---\n\n# Token leak\n\n## Summary\n\nA token leaked.\n\n"
        "## Response\n\nI revoked the token. I will add an expiry check to the deploy script by 2026-12-20.\n"
    )
    path = write("2026-12-01-token.md", text)
    doc = parse(read_source(path, str(path)))
    items = [i for i in extract(doc) if "expiry" in i.text]
    assert [i.owner for i in items] == ["kimlee"]
    several = path.with_name("two.md")
    several.write_text(text.replace("  - kimlee\n", "  - kimlee\n  - sam\n"), encoding="utf-8")
    doc = parse(read_source(several, str(several)))
    assert [i.owner for i in extract(doc) if "expiry" in i.text] == [None]


def test_follow_up_written_in_the_response_section_satisfies_the_action_items_section(review) -> None:
    text = (
        "# Token leak\n\n## Summary\n\nA token leaked for 3 hours.\n\n## Impact\n\nNo packages were changed.\n\n"
        "## Timeline\n\n- 10:00 UTC The token is reported.\n\n## Contributing factors\n\n- The token had no expiry.\n\n"
        "## Response\n\nWe revoked the token, and we will add an expiry check to the deploy script.\n"
    )
    missing = [f.message for f in review(text, select=("ST001",))]
    assert not any("Action items" in m for m in missing), missing
    without = text.replace("and we will add an expiry check to the deploy script", "and the page was closed")
    assert any("Action items" in f.message for f in review(without, select=("ST001",)))


def test_commitments_under_a_topic_heading_are_the_action_items_under_another_name(review) -> None:
    base = (
        "# DNS outage\n\n## Summary\n\nThe static site was unreachable for 40 minutes.\n\n## Impact\n\nDownloads failed.\n\n"
        "## Timeline\n\n- 10:00 UTC The deploy starts.\n\n## Contributing factors\n\n- Two changes shipped in one deploy.\n\n"
        "## Postmortem\n\nThe deploy applied several changes at once. {tail}\n"
    )
    committed = base.format(tail="We will deploy each change to staging on its own before production.")
    assert not any("Action items" in f.message for f in review(committed, select=("ST001",)))
    narrated = base.format(tail="Staging had not been deployed for a month.")
    assert any("Action items" in f.message for f in review(narrated, select=("ST001",)))


def _items(text: str) -> list:
    from reviewer.actions import extract
    from reviewer.engine import section_aliases
    from reviewer.markdown import parse
    from reviewer.source import Source

    return extract(parse(Source("doc.md", text), section_aliases()))


def test_an_item_the_writer_marked_is_one_even_in_the_timeline() -> None:
    text = (
        "# Launch storm\n\n## Timeline\n\n10:02 UTC Launches are rejected by the rate limit.\n\n"
        "[Action Item] rejected launches count as failed launches. They should get their own label.\n\n"
        "10:30 UTC TODO: alert when the rejection rate passes 5%.\n\n10:40 UTC The queue drains.\n"
    )
    assert [(i.line, i.text.split()[0]) for i in _items(text)] == [(7, "[Action"), (9, "TODO:")]


def test_a_checkbox_that_is_only_a_link_to_its_issue_is_an_item() -> None:
    items = _items("# X\n\n## Action items\n\n- [ ] Write the report\n- [ ] https://example.org/tracker/issues/12\n")
    assert [i.line for i in items] == [5, 6]
    assert items[1].text == "https://example.org/tracker/issues/12"


def test_in_lessons_you_is_the_generic_one_but_users_named_are_advice() -> None:
    text = (
        "# Cert expiry\n\n## Lessons learned\n\n- Know all your certificates and when each expires.\n"
        "- Users should rotate their API keys after upgrading.\n"
    )
    assert [i.line for i in _items(text)] == [5]
    readers = "# Cert expiry\n\n## Summary\n\nThe cert expired.\n\n## What you can do\n\n- Rotate your API keys.\n"
    assert _items(readers) == []


def test_a_subordinate_clause_plans_nothing() -> None:
    text = (
        "# Infra drift\n\n## Lessons learned\n\nFixing problems only when you are working on that part of the "
        "stack is no way to run infrastructure.\n\nThe platform team is planning a quarterly patch day.\n"
    )
    assert [i.line for i in _items(text)] == [7]


def test_a_permanent_fix_reported_as_done_is_a_done_item_in_an_unheaded_post() -> None:
    text = (
        "# Build errors\n\nBuilds failed for two hours because the node agent fell behind the API server. "
        "The default rate limit was far too low for the builder pods.\n\n"
        "To stop the bleeding, the cluster was scaled up by hand.\n\n"
        "For a permanent fix, the agent's rate limit was raised from 5 to 50 in the cluster configuration.\n"
    )
    items = _items(text)
    assert [(i.line, i.status) for i in items] == [(7, "done")]


def test_an_obligation_that_gives_a_reason_or_a_judgement_is_no_lesson_to_act_on() -> None:
    text = (
        "# Slow fix\n\n## Lessons learned\n\n"
        "- A chart change takes an hour to reach production. This is because we must wait for two CI runs.\n"
        "- The scheduler has no tests. They are hard to write, but basic coverage should be possible.\n"
        "- Deploys should run the smoke suite before the traffic shift.\n"
    )
    assert [i.line for i in _items(text)] == [7]


def test_a_bare_link_that_closes_the_line_is_the_item_s_ticket() -> None:
    text = (
        "# X\n\n## Action items\n\n- Improve handling of slow spawners https://example.org/hub/issues/16\n\n"
        "### Short-term (tracked in #408)\n\n- Define a caching strategy\n"
    )
    first, second = _items(text)
    assert first.ticket == "https://example.org/hub/issues/16" and not first.ticket_from_heading
    assert second.ticket == "#408" and second.ticket_from_heading
