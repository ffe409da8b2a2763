"""Time to detect / acknowledge / mitigate / resolve from the timeline's words, or nothing."""

from __future__ import annotations

import json

from reviewer.engine import section_aliases
from reviewer.markdown import parse
from reviewer.source import Source
from reviewer.timeline import metrics

TIMELINE = """# Checkout errors

## Timeline (UTC)

- 13:58 A config change lowering the timeout is merged.
- 14:05 Checkout starts returning 502 for 9% of attempts.
- 14:12 The error-rate alert fires and pages the on-call.
- 14:19 The on-call acknowledges the page.
- 14:31 The gateway pods are restarted; no change.
- 14:40 The config change is rolled back.
- 14:52 Error rates are back to baseline.
"""


def _metrics(text: str) -> dict:
    return metrics(parse(Source("t.md", text), section_aliases()))


def test_each_figure_from_the_entries_that_say_it() -> None:
    m = _metrics(TIMELINE)
    assert m["time_to_detect"] == {"minutes": 7, "from_line": 6, "to_line": 7}
    assert m["time_to_acknowledge"] == {"minutes": 7, "from_line": 7, "to_line": 8}
    assert m["time_to_mitigate"] == {"minutes": 35, "from_line": 6, "to_line": 10}
    assert m["time_to_resolve"] == {"minutes": 47, "from_line": 6, "to_line": 11}


def test_the_trigger_is_not_the_start_of_the_impact() -> None:
    text = TIMELINE.replace("- 14:05 Checkout starts returning 502 for 9% of attempts.\n", "")
    m = _metrics(text)
    assert m["time_to_detect"] is None and m["time_to_resolve"] is None  # a merge is no impact
    assert m["time_to_acknowledge"] is not None


def test_hindsight_is_not_a_rollback() -> None:
    text = TIMELINE.replace("The config change is rolled back.", "The on-call should have rolled back by now.")
    assert _metrics(text)["time_to_mitigate"] is None


def test_an_entry_in_another_zone_is_left_out_and_midnight_is_crossed() -> None:
    text = """# Cert

## Timeline

- 23:50 UTC The API starts rejecting handshakes.
- 23:55 UTC The error-rate alert pages the platform on-call.
- 17:40 PT Security on-call paged to look for an attack.
- 00:01 UTC The on-call acknowledges.
- 00:40 UTC Error rates back to normal.
"""
    m = _metrics(text)
    assert m["time_to_detect"] == {"minutes": 5, "from_line": 5, "to_line": 6}
    assert m["time_to_acknowledge"] == {"minutes": 6, "from_line": 6, "to_line": 8}
    assert m["time_to_resolve"] == {"minutes": 50, "from_line": 5, "to_line": 9}


def test_dated_headings_carry_the_day() -> None:
    text = """# Outage

## Timeline

### 2026-03-01 22:00

The site goes down for all users.

### 2026-03-02 01:30

A customer report reaches support.

### 2026-03-02 02:00

The site is back to normal.
"""
    m = _metrics(text)
    assert m["time_to_detect"] == {"minutes": 210, "from_line": 5, "to_line": 9}
    assert m["time_to_resolve"]["minutes"] == 240


def test_no_timeline_no_figures() -> None:
    assert set(_metrics("# Notes\n\nNothing happened at 10:00.\n").values()) == {None}


def test_json_output_carries_the_figures_under_the_document(cli, tmp_path) -> None:
    path = tmp_path / "draft.md"
    path.write_text(TIMELINE, encoding="utf-8")
    data = json.loads(cli("review", path, "--format", "json", "--no-cache").stdout)
    (document,) = data["documents"]
    assert document["timeline"]["time_to_detect"] == {"minutes": 7, "from_line": 6, "to_line": 7}


def test_a_failing_pipeline_is_no_impact_and_restored_is_resolved() -> None:
    text = """# Ingress

## Timeline

- 2026-03-17 16:09 The deploy pipeline failed on an unrelated chart.
- 2026-03-17 16:20 Requests to the shop start returning 404.
- 16:31 A customer report reaches support.
- 17:02 Service is restored for all customers.
"""
    m = _metrics(text)
    assert m["time_to_detect"] == {"minutes": 11, "from_line": 6, "to_line": 7}
    assert m["time_to_resolve"] == {"minutes": 42, "from_line": 6, "to_line": 8}  # a time under a dated entry


def _timeline(*rows: str) -> dict:
    return _metrics("# Incident\n\n## Timeline (UTC)\n\n" + "".join(f"- {r}\n" for r in rows))


def test_a_failing_probe_is_the_detection_not_the_start() -> None:
    m = _timeline(
        "10:00 The storage class is changed.",
        "10:20 The uptime check on the portal fails.",
        "10:35 The portal is back to normal.",
    )
    assert all(v is None for v in m.values())  # the impact's start is nowhere: no figure at all


def test_failed_as_an_adjective_reports_no_failure() -> None:
    m = _timeline(
        "09:00 Failed node removed from the pool.",
        "09:10 The pager fires for queue depth.",
        "09:30 Everything is back to normal.",
    )
    assert m["time_to_detect"] is None and m["time_to_resolve"] is None


def test_an_entry_labelled_as_the_detection_is_one_even_when_it_is_the_start() -> None:
    m = _timeline(
        "12:05 **Detection:** the metrics store fails to start after the upgrade.",
        "12:20 Two nodes are replaced.",
        "12:48 **Recovery:** the metrics store starts again.",
    )
    assert m["time_to_detect"] == {"minutes": 0, "from_line": 5, "to_line": 5}
    assert m["time_to_resolve"] == {"minutes": 43, "from_line": 5, "to_line": 7}


def test_a_failure_seen_while_people_are_at_work_is_a_symptom_not_the_start() -> None:
    m = _timeline(
        "07:30 Attempts to cordon the bad nodes.",
        "07:40 Starting a new hub pod is failing.",
        "08:10 Everything is back to normal.",
    )
    assert m["time_to_resolve"] is None


def test_a_report_of_an_ongoing_failure_gives_no_start() -> None:
    m = _timeline(
        "07:42 Users report all launches are failing.",
        "09:10 The deploy is rolled back.",
        "09:30 Launches are back to normal.",
    )
    assert m["time_to_mitigate"] is None and m["time_to_resolve"] is None


def test_a_revert_in_staging_is_no_mitigation_and_a_late_notice_no_detection() -> None:
    m = _timeline(
        "10:00 Checkout starts returning 502.",
        "10:30 The deployment to staging is reverted.",
        "11:00 The config change is rolled back.",
        "11:20 We notice the error rate falling.",
    )
    assert m["time_to_mitigate"] == {"minutes": 60, "from_line": 5, "to_line": 7}
    assert m["time_to_detect"] is None
