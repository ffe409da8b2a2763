"""`pmreview digest`: golden Markdown, HTML and JSON, the period, escaping, edge cases, a browser.

The fixture corpus (tests/fixtures/digest/corpus/, fictional) is read as of Monday 2026-01-12
with the default week (2026-01-06 to 2026-01-12). It holds three incidents in that week: the
invoice queue stalling again (its lag alerts still go to an unread list, as in November: a
recurrence), a CDN purge whose title, summary and action items are hostile (a <script> tag,
a Markdown link, @everyone, @here, <!channel>, #42 and an owner written as a link) and which
lacks Impact and Timeline, and a login incident three days old with no action items yet
(inside the 5-business-day grace). Before the week: a DNS incident of 2025-12-29 without a
timeline or action items, a webhook incident of 2025-12-17 (a P1 item without a date: past its
14-day SLA) and the November invoice incident with done, past-due, ownerless and SLA items (a P1
past both its date and its SLA, a P0 of "@Billing" past its 7-day SLA); the P0 of the week's
invoice incident runs out of SLA in two days. After it: a planned failover dated 2026-01-20 whose
item is "due" 2026-01-02 (left out: the digest's future). One postmortem is undated.

The golden files are regenerated with ``PMREVIEW_UPDATE_GOLDEN=1 python -m pytest tests/test_digest.py``;
read the diff before committing them. The real models run (no mocks); the corpus is indexed
and reviewed once per module.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "digest"
AS_OF = date(2026, 1, 12)
LINK_BASE = "postmortems/"
UPDATE = os.environ.get("PMREVIEW_UPDATE_GOLDEN") == "1"
GOLDEN = {"markdown": "digest.md", "html": "digest.html", "json": "digest.json"}
WJ = "\u2060"
CDN = "2026-01-08-cdn-purge.md"
INVOICE_AGAIN = "2026-01-07-invoice-queue-stalled-again.md"
INVOICE = "2025-11-18-invoice-queue-stall.md"
WEBHOOK = "2025-12-17-webhook-retries.md"
DNS = "2025-12-29-dns-resolver-timeouts.md"
LOGIN = "2026-01-09-login-rate-limit.md"
FUTURE = "2026-01-20-planned-failover.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 20


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("digest")
    shutil.copytree(FIXTURES / "corpus", root / "postmortems")
    return root


def settings(workdir: Path, **overrides):
    from reviewer.report.data import Settings

    base = {"as_of": AS_OF, "index_dir": workdir / "index", "cache_dir": workdir / "results"}
    return Settings(**(base | overrides))


@pytest.fixture(scope="module")
def report(workdir: Path) -> dict:
    from reviewer.report.data import compute

    return compute(workdir / "postmortems", settings(workdir))


@pytest.fixture(scope="module")
def digest(report: dict) -> dict:
    from reviewer.digest.data import build
    from reviewer.digest.window import parse_since

    return build(report, parse_since("7d", AS_OF), AS_OF)


def rendered(digest: dict, fmt: str) -> str:
    if fmt == "json":
        from reviewer.terminal import dumps

        return dumps(digest, indent=2) + "\n"
    if fmt == "html":
        from reviewer.digest.html import render
    else:
        from reviewer.digest.markdown import render
    return render(digest, link_base=LINK_BASE)


# --- golden files --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_golden(digest: dict, fmt: str) -> None:
    path = FIXTURES / GOLDEN[fmt]
    text = rendered(digest, fmt)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with PMREVIEW_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (PMREVIEW_UPDATE_GOLDEN=1 rewrites it)"


def test_same_corpus_same_bytes(workdir: Path, digest: dict) -> None:
    """A second run (warm caches) gives the same bytes, and no date but the corpus's and as-of's."""
    from reviewer.digest.data import compute
    from reviewer.digest.window import parse_since

    again = compute(workdir / "postmortems", settings(workdir), parse_since("7d", AS_OF))
    for fmt in GOLDEN:
        text = rendered(again, fmt)
        assert text == rendered(digest, fmt)
        assert date.today().isoformat() not in text  # no clock: as-of is not today here
        assert date.today().strftime("%d %B %Y") not in text


# --- what the digest says ------------------------------------------------------------------


def test_incidents_of_the_week_with_severity_and_one_line(digest: dict) -> None:
    incidents = {i["path"]: i for i in digest["incidents"]}
    assert list(incidents) == [INVOICE_AGAIN, CDN, LOGIN]  # by date; the 2026-01-20 one is the future
    assert [i["severity"] for i in incidents.values()] == ["SEV2", "SEV1", "SEV3"]  # front matter, bold line, table
    again = incidents[INVOICE_AGAIN]
    assert again["recurring"] and again["again"], "its lag alerts go to the unread list again"
    assert not incidents[LOGIN]["recurring"]
    assert again["summary"].startswith("The invoice consumers stalled again") and again["summary"].endswith("hours.")
    assert "Customers noticed" not in again["summary"]  # the first sentence only
    assert digest["period"] == {"since": "7d", "name": "week", "start": "2026-01-06", "end": "2026-01-12", "days": 7}


def test_past_due_grouped_by_owner_no_owner_last(digest: dict) -> None:
    groups = digest["past_due"]
    assert [g["owner"] for g in groups] == ["@Billing", "@cdn-team", "@payments", None]  # @Billing is @billing
    items = {(i["path"], i["line"]): i for g in groups for i in g["items"]}
    assert {p for p, _ in items} == {INVOICE, CDN, WEBHOOK}  # not the done ones, not the future document's
    cdn = items[(CDN, 20)]
    assert cdn["days_overdue"] == 3 and cdn["text"] == "Make the purge tool refuse an empty path."
    assert cdn["reasons"] == ["deadline"] and cdn["sla"] is None  # its P1 SLA runs to 2026-01-22
    both = items[(INVOICE, 31)]  # due 2025-12-15 and P1 (14 days from 2025-11-18)
    assert both["reasons"] == ["deadline", "sla"] and both["days_overdue"] == 28
    assert both["sla"] == {"priority": "P1", "sla_days": 14, "due": "2025-12-02", "days_late": 41}
    assert both["days_late"] == 41
    sla_only = items[(INVOICE, 33)]  # P0 without a date: 7 days from the incident
    assert sla_only["reasons"] == ["sla"] and sla_only["deadline"] is None
    assert sla_only["sla"] == {"priority": "P0", "sla_days": 7, "due": "2025-11-25", "days_late": 48}
    assert [i["line"] for i in groups[0]["items"]] == [33, 31]  # most days late first
    assert digest["summary"]["past_due"] == 5 == sum(g["count"] for g in groups)
    assert digest["summary"]["past_sla"] == 3


def test_owners_group_case_aside_most_items_first() -> None:
    from reviewer.digest.data import _by_owner

    def item(owner, days, line):
        return {"owner": owner, "days_late": days, "path": "a.md", "line": line, "text": "x"}

    groups = _by_owner([item(None, 50, 1), item("@sre", 1, 2), item("@DBA", 3, 3), item("@dba", 9, 4)])
    assert [(g["owner"], g["count"]) for g in groups] == [("@dba", 2), ("@sre", 1), (None, 1)]
    assert [i["line"] for i in groups[0]["items"]] == [4, 3]  # most overdue first


def test_due_in_the_next_seven_days(digest: dict) -> None:
    due = digest["due_soon"]
    assert [(d["due"], d["days_left"], d["due_by"]) for d in due] == [
        ("2026-01-14", 2, "sla"),  # P0 from 2026-01-07
        ("2026-01-14", 2, "deadline"),
        ("2026-01-15", 3, "deadline"),
        ("2026-01-16", 4, "deadline"),
    ]
    assert [d["owner"] for d in due] == ["@platform", "@mallory", "@billing", "@payments"]
    assert due[0]["sla"] == {"priority": "P0", "sla_days": 7, "due": "2026-01-14", "days_left": 2}


def test_sla_and_deadline_lists_merge_each_item_once() -> None:
    """An item past its deadline and its SLA is one entry; one past either is not due soon."""
    from reviewer.digest.data import build
    from reviewer.digest.window import parse_since

    doc = {"path": "a.md", "title": "A", "date": "2025-12-01", "actions": {"total": 3}}
    item = {"text": "t", "path": "a.md", "owner": "@x", "priority": "P1"}
    report = {
        "documents": [doc],
        "actions": {
            "overdue": [item | {"line": 1, "deadline": "2026-01-10", "days_overdue": 2}],
            "due_soon": [item | {"line": 2, "deadline": "2026-01-13", "days_left": 1}],
        },
        "sla": {
            "past_sla": [
                item | {"line": 1, "sla_days": 14, "due": "2025-12-15", "days_late": 28},
                item | {"line": 2, "sla_days": 14, "due": "2025-12-15", "days_late": 28},
            ],
            "due_soon": [item | {"line": 1, "sla_days": 14, "due": "2026-01-13", "days_left": 1}],
        },
    }
    out = build(report, parse_since("7d", AS_OF), AS_OF)
    items = [i for g in out["past_due"] for i in g["items"]]
    assert [(i["line"], i["reasons"], i["days_late"]) for i in items] == [
        (1, ["deadline", "sla"], 28),
        (2, ["sla"], 28),
    ]
    assert out["due_soon"] == [] and out["summary"]["past_sla"] == 2


def test_recurrence_against_target_with_trend(digest: dict) -> None:
    rec = digest["recurrence"]
    assert (rec["incidents"], rec["recurring"], rec["rate"]) == (3, 1, 0.3333)
    assert rec["status"] == "above" and rec["target"] == 0.15
    assert [(r["start"], r["incidents"]) for r in rec["trend"]] == [
        ("2025-12-09", 0),
        ("2025-12-16", 1),
        ("2025-12-23", 1),
        ("2025-12-30", 0),
        ("2026-01-06", 3),
    ]
    assert rec["previous"] == {"incidents": 2, "recurring": 0, "rate": 0.0} and rec["change"] == "up"


def test_write_ups_missing_sections_or_late_action_items(digest: dict) -> None:
    write_ups = {w["path"]: w for w in digest["write_ups"]}
    assert list(write_ups) == [DNS, CDN]
    assert write_ups[DNS] == {
        "path": DNS,
        "title": "DNS resolver timeouts in the eu-west cluster",
        "date": "2025-12-29",
        "business_days": 10,
        "missing_sections": ["Timeline"],  # the missing action items are said once, below
        "no_action_items": True,
    }
    assert write_ups[CDN]["missing_sections"] == ["Impact", "Timeline"] and not write_ups[CDN]["no_action_items"]
    assert LOGIN not in write_ups  # no action items yet, but 1 business day old


def test_grace_days_for_action_items() -> None:
    """A postmortem without action items is listed from the sixth business day on."""
    from reviewer.digest.data import build
    from reviewer.digest.window import parse_since

    def doc(day: str) -> dict:
        return {"path": f"{day}.md", "title": day, "date": day, "actions": {"total": 0}, "missing_sections": []}

    report = {"documents": [doc("2026-01-05"), doc("2026-01-02")], "actions": {}, "clusters": []}
    out = build(report, parse_since("2w", AS_OF), AS_OF)
    assert [(w["path"], w["business_days"]) for w in out["write_ups"]] == [("2026-01-02.md", 6)]  # not 01-05: 5


# --- --since --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "as_of", "start", "name"),
    [
        ("7d", "2026-01-12", "2026-01-06", "week"),
        ("1d", "2026-01-12", "2026-01-12", "day"),
        ("2w", "2026-01-12", "2025-12-30", "2 weeks"),
        ("14d", "2026-01-12", "2025-12-30", "2 weeks"),
        ("10D", "2026-01-12", "2026-01-03", "10 days"),
        ("1m", "2026-03-15", "2026-02-16", "month"),
        ("1m", "2026-03-31", "2026-03-01", "month"),
        ("3m", "2026-05-31", "2026-03-01", "3 months"),
        ("2025-12-01", "2026-01-12", "2025-12-01", "43 days"),
        ("2026-01-12", "2026-01-12", "2026-01-12", "day"),
    ],
)
def test_since_gives_the_period(since: str, as_of: str, start: str, name: str) -> None:
    from reviewer.digest.window import parse_since

    day = date.fromisoformat(as_of)
    parsed = parse_since(since, day)
    period = parsed.periods(day, 0)[0]
    assert (period.start.isoformat(), period.end, parsed.name(day)) == (start, day, name)


def test_earlier_periods_touch_and_months_stay_whole() -> None:
    from reviewer.digest.window import parse_since

    months = parse_since("1m", date(2026, 3, 31)).periods(date(2026, 3, 31), 3)
    assert [(p.start.isoformat(), p.end.isoformat()) for p in months] == [
        ("2025-12-01", "2025-12-31"),
        ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-01", "2026-03-31"),
    ]
    for since in ("7d", "2w", "1m", "2025-11-20"):
        ps = parse_since(since, AS_OF).periods(AS_OF, 4)
        assert all((b.start - a.end).days == 1 for a, b in itertools.pairwise(ps)), since
        assert len({p.days for p in ps}) == 1 or since == "1m"


@pytest.mark.parametrize("bad", ["", "0d", "7", "7x", "d7", "-1w", "2026-13-01", "2026-01-13", "yesterday", "99999d"])
def test_since_rejects(bad: str) -> None:
    from reviewer.digest.window import parse_since

    with pytest.raises(ValueError):
        parse_since(bad, AS_OF)


def test_business_days() -> None:
    from reviewer.digest.window import business_days_after

    friday = date(2026, 1, 9)
    assert business_days_after(friday, date(2026, 1, 10)) == 0  # Saturday
    assert business_days_after(friday, date(2026, 1, 12)) == 1  # Monday
    assert business_days_after(friday, date(2026, 1, 16)) == 5
    assert business_days_after(friday, date(2026, 1, 19)) == 6
    assert business_days_after(friday, friday) == 0 and business_days_after(friday, date(2026, 1, 1)) == 0
    assert business_days_after(date(2026, 1, 1), date(2026, 3, 1)) == 41  # 21 in January after the 1st, 20 in February
    start = date(2025, 12, 24)
    for offset in range(40):  # against counting day by day
        end = date.fromordinal(start.toordinal() + offset)
        slow = sum(date.fromordinal(start.toordinal() + k).weekday() < 5 for k in range(1, offset + 1))
        assert business_days_after(start, end) == slow, end


# --- hostile text ---------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "[click me](https://evil.example/x)",
    "![pixel](https://evil.example/p.png)",
    "@everyone and @org/team, ping @here",
    "closes #42 and GH-7",
    "<!channel> <@U123> &amp;",
    "# Heading",
    "> quoted",
    "- a list",
    "1. numbered",
    "*bold* _it_ ~~gone~~ `code` $x^2$ | pipe",
    "visit https://evil.example or www.evil.example",
    "bidi \u202eevil\u202c and a\nnewline",
    "<img src=x onerror=alert(1)>",
    "[a]: https://evil.example/ref",
    "\\[escaped\\](x)",
]


def _to_html(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True, "linkify": False}).render(markdown)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_text_shows_hostile_text_and_does_nothing_else(hostile: str) -> None:
    from reviewer.digest.markdown import WJ, text

    out = text(hostile)
    assert "\n" not in out and "<" not in out and ">" not in out
    html = _to_html(f"- {out}\n")
    assert html.startswith("<ul>\n<li>") and html.count("<") == 4, html  # <ul><li></li></ul>, nothing inside
    shown = re.sub(r"<[^>]+>", "", html).replace(WJ, "")
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    expected = " ".join(re.sub("[\u202a-\u202e]", "", hostile).split())
    assert shown.strip() == expected
    assert not re.search(r"(?<![\w\u2060])[@#]\w", out), "a mention or issue reference left live"
    assert not re.search(r"(?i)https?://|www\.", out)


def test_owners_and_titles_ping_nobody_in_the_digest(digest: dict) -> None:
    markdown = rendered(digest, "markdown")
    assert "@everyone" not in markdown and "@here" not in markdown and "#42" not in markdown
    assert markdown.count("@") >= 8
    assert all(markdown[m.end()] == WJ for m in re.finditer("@", markdown)), "every @ is followed by a word joiner"
    assert "<" not in markdown.replace("&lt;", "") and "<!channel>" not in markdown
    html = _to_html(markdown)
    links = re.findall(r'<a href="([^"]*)"', html)
    assert links and all(h.startswith(LINK_BASE) for h in links), links  # only ours
    assert f'href="{LINK_BASE}{CDN}#L20"' in html
    assert "<script" not in html and "<img" not in html


def test_html_escapes_hostile_text(digest: dict) -> None:
    page = rendered(digest, "html")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;digest&#39;)&lt;/script&gt;" in page
    assert "evil.example" not in " ".join(re.findall(r'href="([^"]*)"', page))
    assert "script-src" not in page and "default-src 'none'" in page


def test_links_are_relative_or_http_and_never_a_scheme() -> None:
    from reviewer.digest.links import href, valid_base

    assert href("a b/c(1).md", "pm", 7) == "pm/a%20b/c%281%29.md#L7"
    assert href("x.md", "https://github.com/o/r/blob/main/postmortems/", None).endswith("postmortems/x.md")
    assert href("javascript:alert(1)") is None and href("/etc/passwd") is None and href("a\nb.md") is None
    assert not valid_base("javascript:alert(1)") and not valid_base("https://x/ y") and not valid_base("/abs/")
    assert valid_base("../") and valid_base("") and valid_base("http://host/path/")


# --- edge cases ------------------------------------------------------------------------------


def test_nothing_in_the_period(report: dict) -> None:
    from reviewer.digest.data import build
    from reviewer.digest.markdown import render
    from reviewer.digest.window import parse_since

    later = date(2026, 6, 1)
    out = build(report, parse_since("7d", later), later)
    assert out["incidents"] == [] and out["write_ups"] == [] and out["recurrence"]["rate"] is None
    assert out["summary"]["past_due"] >= 3  # still past due
    text = render(out)
    assert "No postmortem is dated this week." in text and "so no recurrence rate" in text


def test_empty_corpus(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli(
        "digest", tmp_path / "empty", "--as-of", "2026-01-12", "--format", "json", "--index-dir", tmp_path / "idx"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"] == {
        "incidents": 0,
        "past_due": 0,
        "past_sla": 0,
        "past_due_owners": 0,
        "due_soon": 0,
        "write_ups": 0,
        "recurrence_rate": None,
    }
    md = cli("digest", tmp_path / "empty", "--as-of", "2026-01-12", "--index-dir", tmp_path / "idx").stdout
    assert md.startswith("## Postmortem digest: week to 2026-01-12\n") and "No open action item" in md


def test_build_tolerates_a_bare_report() -> None:
    from reviewer.digest.data import build
    from reviewer.digest.html import render as html
    from reviewer.digest.markdown import render as markdown
    from reviewer.digest.window import parse_since

    out = build({}, parse_since("1m", AS_OF), AS_OF)
    assert out["summary"]["incidents"] == 0 and out["period"]["name"] == "month"
    assert markdown(out).startswith("## Postmortem digest: month to 2026-01-12")
    assert "<h1>Postmortem digest: month to 2026-01-12</h1>" in html(out)


# --- the command line ------------------------------------------------------------------------


def test_cli_formats_and_out(cli, workdir: Path, digest: dict, tmp_path: Path) -> None:
    corpus = workdir / "postmortems"
    common = ("--as-of", "2026-01-12", "--index-dir", workdir / "index", "--cache-dir", workdir / "results")
    common += ("--link-base", LINK_BASE)
    result = cli("digest", corpus, *common, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(rendered(digest, "json"))
    assert cli("digest", corpus, *common).stdout == rendered(digest, "markdown")
    out = tmp_path / "week" / "digest.html"
    result = cli("digest", corpus, *common, "--out", out)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8") == rendered(digest, "html")
    assert "Wrote" in result.stderr and "3 incidents" in result.stderr


def test_cli_default_links_reach_the_corpus_from_the_out_file(cli, workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "digest.md"
    index = ("--index-dir", workdir / "index", "--cache-dir", workdir / "results")
    cli("digest", workdir / "postmortems", "--as-of", "2026-01-12", *index, "--out", out)
    rel = Path(os.path.relpath(workdir / "postmortems", tmp_path)).as_posix()
    assert f"]({rel}/{CDN}#L20)" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "7x"), "--since '7x': expected 7d, 2w, 1m"),
        (("--since", "2026-02-01"), "after the as-of day 2026-01-12"),
        (("--link-base", "javascript:alert(1)//"), "--link-base"),
    ],
)
def test_cli_usage_errors(cli, workdir: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("digest", workdir / "postmortems", "--as-of", "2026-01-12", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stdout == ""


def test_help_is_complete(cli) -> None:
    text = cli("digest", "--help").stdout
    for option in ("--since", "--format", "--as-of", "--out", "--link-base", "--target-rate", "--index-dir"):
        assert option in text
    assert "--config" in text and "--no-cache" in text and "--cache-dir" in text


# --- in a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI for the digest rendering tests, and {CHROMIUM} is missing")
        pytest.skip(
            f"Chromium not installed at {CHROMIUM}: the headless rendering checks need it (apt install chromium)"
        )
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


def _run_chromium(binary: str, tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT,
        check=False,
    )


def _probe(page: str, script: str) -> str:
    """The page with a measuring script, allowed by hash in its CSP (the page itself runs none)."""
    from reviewer.report.html import script_hash

    allowed = page.replace("default-src 'none';", f"default-src 'none'; script-src {script_hash(script)};", 1)
    return allowed.replace("</body>", f"<script>{script}</script></body>")


def test_browser_shows_the_hostile_title_as_text(chromium, digest: dict, tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    page.write_text(rendered(digest, "html"), encoding="utf-8")
    net_log = tmp_path / "net.json"
    result = _run_chromium(chromium, tmp_path, page.as_uri(), f"--log-net-log={net_log}", "--dump-dom")
    dom = result.stdout
    assert "<h1>Postmortem digest: week to 2026-01-12</h1>" in dom, result.stderr[-2000:]
    assert "<script" not in dom  # the title's tag stayed text
    assert "&lt;script&gt;alert('digest')&lt;/script&gt; CDN purge" in dom
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job and "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"
    ]
    assert requests == []


def test_browser_layout_fits_700px_in_light_and_dark(chromium, digest: dict, tmp_path: Path) -> None:
    script = (
        "var out = {}; out.overflow = Array.prototype.map.call(document.querySelectorAll('.table-wrap'),"
        " function (w) { return w.scrollWidth - w.clientWidth; });"
        " out.page = document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        " out.bg = getComputedStyle(document.body).backgroundColor;"
        " out.cards = document.querySelectorAll('.card').length;"
        " var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);"
        " document.body.appendChild(pre);"
    )
    page = tmp_path / "digest.html"
    page.write_text(_probe(rendered(digest, "html"), script), encoding="utf-8")
    seen = {}
    for mode, extra in (("light", ()), ("dark", ("--blink-settings=preferredColorScheme=0",))):
        result = _run_chromium(chromium, tmp_path, page.as_uri(), *extra, "--window-size=700,2000", "--dump-dom")
        match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout)
        assert match, result.stderr[-2000:]
        out = json.loads(match.group(1).replace("&quot;", '"'))
        assert out["cards"] == 5 and len(out["overflow"]) >= 5
        assert [o for o in out["overflow"] if o > 1] == [] and out["page"] <= 1, (mode, out)
        seen[mode] = [int(x) for x in re.findall(r"\d+", out["bg"])[:3]]
    assert sum(seen["light"]) > 600 and sum(seen["dark"]) < 150, seen


@pytest.mark.parametrize(
    ("item", "shown"),
    [
        (
            "Make the purge tool refuse an empty path. Owner: @cdn-team, due 2026-01-09, P1.",
            "Make the purge tool refuse an empty path.",
        ),
        (
            "Add a dashboard panel for invoice queue depth, due 2025-12-20.",
            "Add a dashboard panel for invoice queue depth.",
        ),
        ("Ship the new alert routing rules by end of sprint 48", "Ship the new alert routing rules."),
        ("Replace the check that is due by policy review, P1.", "Replace the check that is due by policy review, P1."),
        ("Owner: @x, rotate the key", "Owner: @x, rotate the key"),  # too little would be left
        ("Fix it by Friday", "Fix it by Friday"),
    ],
)
def test_item_text_drops_the_owner_and_date_shown_beside_it(item: str, shown: str) -> None:
    from reviewer.digest.data import bare

    assert bare(item) == shown


def test_long_lists_are_cut_and_counted() -> None:
    """Years of stale items must not make a digest nobody reads (or an issue body over 65,536 characters)."""
    from reviewer.digest.data import LIMITS, build
    from reviewer.digest.markdown import render
    from reviewer.digest.window import parse_since

    docs = [{"path": f"{n:03d}.md", "title": f"t{n}", "date": "2026-01-08", "actions": {"total": 1}} for n in range(60)]
    overdue = [
        {
            "text": f"item {n}",
            "path": f"{n % 60:03d}.md",
            "line": n + 1,
            "owner": f"@team{n % 20}",
            "deadline": "2025-06-01",
        }
        | {"days_overdue": 225 + n, "priority": None}
        for n in range(200)
    ] + [{"text": "orphan", "path": "000.md", "line": 999, "owner": None, "deadline": "2025-06-01", "days_overdue": 1}]
    out = build({"documents": docs, "actions": {"overdue": overdue}}, parse_since("7d", AS_OF), AS_OF)
    assert out["summary"]["incidents"] == 60 and len(out["incidents"]) == LIMITS["incidents"]
    assert out["more"]["incidents"] == 60 - LIMITS["incidents"]
    assert out["summary"]["past_due"] == 201 and out["summary"]["past_due_owners"] == 21
    named = [g for g in out["past_due"] if g["owner"]]
    assert len(named) == LIMITS["owners"] and out["past_due"][-1]["owner"] is None  # no owner is kept, last
    assert out["more"]["owners"] == 20 - LIMITS["owners"] and out["more"]["owner_items"] == 10 * (20 - LIMITS["owners"])
    assert all(len(g["items"]) == LIMITS["per_owner"] and g["more"] == 10 - LIMITS["per_owner"] for g in named)
    assert named[0]["items"][0]["days_overdue"] == max(
        o["days_overdue"] for o in overdue if o["owner"] == named[0]["owner"]
    )
    text = render(out)
    assert f"- and {60 - LIMITS['incidents']} more incidents" in text
    assert f"And {20 - LIMITS['owners']} more owners with {10 * (20 - LIMITS['owners'])} items past due." in text
    assert "### Past due or past SLA (201)" in text and len(text) < 65_536
