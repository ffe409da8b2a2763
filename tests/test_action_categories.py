"""Action items classed by the kind of remedy (rules/lexicons/action_categories.yml)."""

from __future__ import annotations

import pytest

from reviewer.action_categories import CATEGORIES, _patterns, category


def test_the_lexicon_names_every_class_once() -> None:
    assert [name for name, _ in _patterns()] and {name for name, _ in _patterns()} == set(CATEGORIES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alert when the export has not finished by 06:00", "detection"),
        ("Put the recommender behind a kill switch", "mitigation"),
        ("Validate the rate-limit file in CI before it ships", "prevention"),
        ("Restore the user table from last night's snapshot", "recovery"),
        ("Write a runbook for rotating the CDN certificate", "learning"),
        ("Assign an owner to the certificate inventory", "governance"),
    ],
)
def test_a_clear_item_gets_its_class(text: str, expected: str) -> None:
    assert category(text) == expected


def test_a_call_for_care_names_no_remedy_and_gets_no_class() -> None:
    assert category("Be more careful next time") is None


def test_the_most_matches_win_and_a_tie_goes_to_the_class_listed_first() -> None:
    # two detection phrases against one learning phrase
    assert category("Document the new alert and its dashboard") == "detection"
    order = [name for name, _ in _patterns()]
    tied = category("Add a dashboard and a runbook")  # one detection, one learning
    assert tied == min(("detection", "learning"), key=order.index)


def test_actions_export_carries_the_category(cli, tmp_path) -> None:
    path = tmp_path / "d.md"
    path.write_text("# X\n\n## Action items\n\n- [ ] Add an alert on queue age. Owner: @sre\n", encoding="utf-8")
    out = cli("actions", path, "--format", "csv").stdout.splitlines()
    header, row = out[0].split(","), out[1].split(",")
    assert row[header.index("category")] == "detection"
