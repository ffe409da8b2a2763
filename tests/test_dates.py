"""A postmortem's own date, and where it was read from."""

from __future__ import annotations

from datetime import date

import pytest

from reviewer.dates import dated


@pytest.mark.parametrize(
    ("front", "text", "path", "expected"),
    [
        (
            "date: 2026-03-04\n",
            "---\ndate: 2026-03-04\n---\nDate: 2026-01-01",
            "x.md",
            (date(2026, 3, 4), "front-matter"),
        ),
        (None, "# Outage\n\nDate: 12 May 2025\n", "2024-01-01-x.md", (date(2025, 5, 12), "date-line")),
        (None, "# Outage\n\nNo date here.", "pm/2024-02-29-leap.md", (date(2024, 2, 29), "file-name")),
        (
            None,
            "# Outage\n\nOn Tuesday 22nd June 2021 the API failed; fixed by July 3, 2021.",
            "x.md",
            (date(2021, 6, 22), "text"),
        ),
        (
            None,
            "# Outage\n\nStarted at 08:21 on 2021-06-22 (see runbook of 2020-01-05).",
            "x.md",
            (date(2021, 6, 22), "text"),
        ),
        (
            "title: A\nupdated: 2020-01-01\n",
            "---\ntitle: A\nupdated: 2020-01-01\n---\nOn March 3, 2022 it broke.",
            "x.md",
            (date(2022, 3, 3), "text"),
        ),
        (None, "# Outage\n\nSomething broke on the 31st of the month.", "x.md", (None, None)),
    ],
)
def test_dated(front: str | None, text: str, path: str, expected: tuple) -> None:
    assert dated(front, text, path) == expected
