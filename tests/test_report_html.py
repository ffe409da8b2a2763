"""The SRE lead's HTML report: one self-contained, deterministic, escaped page with inline SVG charts.

The sample (tests/fixtures/report_sample.json) is a hand-made corpus summary: 12 quarters
(one without incidents), 8 clusters, 8 groups of repeated incidents (one with an undated
member, one whose members' paths carry markup), overdue items, undated documents, and corpus text
carrying markup (``<script>alert(1)</script>``, ``<img onerror>``, ``<b>``) that must
come out as text. The Chromium tests open the page headless to prove what string checks
cannot: the charts render after the script runs, the strict CSP blocks nothing of ours,
no request leaves the page, and light and dark mode both paint.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reviewer.report import svg
from reviewer.report.html import build_context, category_classes, render, safe_href, script_hash

SAMPLE = Path(__file__).parent / "fixtures" / "report_sample.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 15  # seconds per call; a call takes ~2 s here
PAYLOAD = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(sample) -> str:
    return render(sample)


# -- string-level checks ---------------------------------------------------------------------------


def test_sample_is_what_the_tests_claim(sample):
    assert len(sample["periods"]) == 12
    assert len(sample["clusters"]) == 8
    assert len(sample["repeats"]) == sample["summary"]["repeated_incidents"] == 8
    assert sample["actions"]["overdue"] and sample["undated"]
    assert PAYLOAD in json.dumps(sample["clusters"])
    assert PAYLOAD in json.dumps(sample["repeats"], ensure_ascii=False)


def test_rendering_is_deterministic(sample, page):
    assert render(copy.deepcopy(sample)) == page
    assert render(json.loads(SAMPLE.read_text(encoding="utf-8"))).encode() == page.encode()


def test_corpus_text_is_escaped(page):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert PAYLOAD not in page
    # Our one inline script, and no other script, image or markup taken from the corpus.
    assert len(re.findall(r"<script\b", page, re.I)) == 1
    assert not re.search(r"<img\b", page, re.I)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "vpn &lt;notes&gt;.md" in page


def test_svg_text_is_escaped():
    """Period names and tooltips inside the SVG are escaped too (<title> is not a safe place)."""
    chart = svg.stacked_bar_chart(
        "c",
        "t <i>",
        "d",
        ["<script>x</script>"],
        [svg.Series("a&b", [1], "s-done")],
        y_label="y",
        x_label="x",
    )
    assert "<script>" not in chart and "&lt;script&gt;x&lt;/script&gt;" in chart
    assert "a&amp;b" in chart and "t &lt;i&gt;" in chart
    ET.fromstring(str(chart))


def test_page_is_self_contained(page):
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()[1:]
    assert script_src != ["'unsafe-inline'"] and len(script_src) == 1  # exactly one hash, no inline at large
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert script_src == [f"'sha256-{digest}'"]  # the browser runs our script, and only it
    # An empty data: favicon keeps the browser from asking for /favicon.ico; nothing else may use a scheme.
    assert page.count('<link rel="icon" href="data:,">') == 1
    rest = page.replace('<link rel="icon" href="data:,">', "")
    for pattern in (
        r"""\b(?:src|href|action|poster|srcset|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""",
        r"@import",
        r"url\(\s*['\"]?\s*(?:https?:)?//",
        r"""\bhref\s*=\s*["']?\s*(?:javascript|data|vbscript):""",
    ):
        assert not re.search(pattern, rest, re.I), pattern
    # The only absolute URL is the SVG namespace, which is an identifier, not a request.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_links_are_relative_and_quoted(page):
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs
    for href in hrefs:
        assert not re.match(r"[a-z][a-z0-9+.\-]*:", href, re.I) or href == "data:,", href
        assert not href.startswith("//")
    assert 'href="postmortems/2025%20archive/' in page
    assert 'href="postmortems/old/vpn%20%3Cnotes%3E.md"' in page


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("postmortems/2024-01-02-db.md", "postmortems/2024-01-02-db.md"),
        ("a b/c#d?.md", "a%20b/c%23d%3F.md"),
        ("notes:2024.md/x", None),  # reads as a URL scheme
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("data:text/html,x", None),
        ("https://evil.example/x.md", None),
        ("//evil.example/x.md", None),
        ("/etc/passwd", None),
        ("C:\\pm\\a.md", None),
        ("pm/a\nb.md", None),
        ("", None),
        (None, None),
        ("..\\corpus\\a.md", "../corpus/a.md"),
    ],
)
def test_safe_href(path, expected):
    assert safe_href(path) == expected


def test_link_base_must_be_relative():
    assert safe_href("pm/a.md", "../") == "../pm/a.md"
    assert safe_href("pm/a.md", "javascript:") is None


def test_charts_are_inline_svg(page):
    charts = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(charts) == 4
    for chart in charts:
        root = ET.fromstring(chart)  # well-formed XML, so it also works as a standalone .svg
        assert root.get("role") == "img"
        chart_id = root.get("id")
        assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title").text and root.find(f"{ns}desc").text
        # A hover tooltip per period column.
        assert len(root.findall(f".//{ns}g[@class='col']/{ns}title")) == 12
        # Both axes are labelled.
        assert len(root.findall(f".//{ns}text[@class='axis-label']")) == 2
    assert 'class="target"' in charts[0] and "target 15%" in charts[0]
    assert "2024-Q3: no incidents" in charts[0]


def test_page_is_well_formed(page):
    """Every element we open is closed in order: catches template slips a browser would paper over."""
    void = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()

    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    assert len(set(re.findall(r'\bid="([^"]+)"', page))) == len(re.findall(r'\bid="([^"]+)"', page))


def test_sections_and_summary(sample, page):
    for heading in (
        "Recurring factor clusters",
        "Recurrence rate",
        "Action follow-through",
        "Writing quality trend",
        "Factor categories",
        "Undated documents (3)",
    ):
        assert heading in page
    assert page.count("How to read this.") >= 7
    assert "▲ 16 pts above the 15% target" in page
    for undated in sample["undated"]:
        assert undated["path"].replace("<", "&lt;").replace(">", "&gt;") in page
    # Overdue items, longest overdue first.
    days = [
        int(d)
        for d in re.findall(r'<td class="num">(\d+)</td>\n</tr>', page.split('id="overdue"')[1].split("</table>")[0])
    ]
    assert days == sorted(days, reverse=True) and len(days) == 14
    assert "83%" in page and "1 factor in 6" in page


def _section(page: str, name: str) -> str:
    return page.split(f'<section id="{name}"')[1].split("</section>")[0]


def test_repeats_section(sample, page):
    """After the factor clusters, in the nav, one row per group, links to files and to shared clusters."""
    assert (
        page.index('<section id="clusters"')
        < page.index('<section id="repeats"')
        < page.index('<section id="recurrence"')
    )
    assert '<li><a href="#repeats">Repeated incidents</a></li>' in page
    section = _section(page, "repeats")
    assert "Repeated incidents (8)" in section and "How to read this." in section
    assert "same <em>symptom</em>" in section and "same <em>weakness</em>" in section
    rows = re.findall(r'<tr id="repeat-(r\d+)">', section)
    assert rows == [f"r{i}" for i in range(1, 9)]
    assert 'id="repeats-table"' in section and 'class="sortable"' in section
    first = section.split('<tr id="repeat-r1">')[1].split("</tr>")[0]
    assert "backup · restore · nightly" in first and "6 incidents" in first
    assert first.count('href="postmortems/') == 6
    assert "none: different factors each time" in first
    # a shared factor cluster is shown by its name, linked to its row; never as a bare id
    name = next(c["name"] for c in sample["clusters"] if c["id"] == "c3")
    assert f'<a href="#cluster-c3">{name[:1].upper() + name[1:]}</a>' in section
    assert ">c3</a>" not in section
    undated = section.split('<tr id="repeat-r8">')[1].split("</tr>")[0]
    assert "undated" in undated and '<td class="date wide">–</td>' in undated


def test_repeats_are_escaped(page):
    section = _section(page, "repeats")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and PAYLOAD not in section
    assert "status page · stale · &lt;script&gt;" in section
    assert 'href="postmortems/old/vpn%20%3Cnotes%3E.md"' in section
    assert "VPN notes &lt;b&gt;bold&lt;/b&gt;" in section


def test_repeats_tolerate_missing_and_odd_data(sample):
    data = copy.deepcopy(sample)
    del data["repeats"]
    del data["summary"]["repeated_incidents"]
    section = _section(render(data), "repeats")
    assert "Repeated incidents (0)" in section and "No two incidents" in section
    data["repeats"] = [
        None,
        "x",
        {},
        {
            "id": "r9",
            "name": PAYLOAD,
            "incidents": [None, {"path": "javascript:alert(1)", "title": "<i>t</i>"}, {"path": "a b.md"}],
            "factor_clusters": ["c3", "c99", None],
        },
    ]
    ctx = build_context(data)
    c3 = next(c["name"] for c in ctx["clusters"] if c["id"] == "c3")
    assert [r["factor_clusters"] for r in ctx["repeats"]][-1] == [
        {"id": "c3", "linked": True, "name": c3},
        {"id": "c99", "linked": False, "name": "c99"},  # no such row on the page: shown, not linked
    ]
    data["repeats"][-1]["factor_cluster_names"] = ["ignored: the page's own name wins", "Old cluster"]
    assert [c["name"] for c in build_context(data)["repeats"][-1]["factor_clusters"]] == [
        c3,
        "Old cluster",  # not on the page: the name the JSON gives
    ]
    section = _section(render(data), "repeats")
    assert PAYLOAD not in section and "&lt;i&gt;t&lt;/i&gt;" in section
    assert "javascript:" not in section  # no link, and the title is shown instead of the path
    assert 'href="a%20b.md"' in section and 'href="#cluster-c99"' not in section


def test_documents_name_their_clusters(sample):
    ctx = build_context(sample)
    names = {c["id"]: c["name"] for c in ctx["clusters"]}
    listed = [c for d in ctx["documents"] for c in d["clusters"]]
    assert listed and all(c["name"] == names.get(c["id"], c["id"]) for c in listed)
    section = _section(render(sample), "documents")
    assert not re.search(r">c\d+</a>", section)


def test_overdue_headline_counts_items_that_cannot_be_overdue(sample):
    data = copy.deepcopy(sample)
    page = render(data)
    assert "No owner or deadline" not in page  # a report from before these counts: no card, no guess
    data["summary"] |= {
        "overdue": 0,
        "actions_open": 168,
        "open_without_owner": 164,
        "open_without_deadline": 168,
        "open_untracked": 168,
    }
    data["actions"] |= {"overdue": [], "open": 168, "open_without_owner": 164, "open_without_deadline": 168}
    data["actions"]["open_untracked"] = 168
    page = render(data)
    cards = page.split('<div class="cards">')[1].split("</div>\n</div>")[0]
    assert "none past its deadline, but" in cards and "168 open items</a> have no owner or no deadline" in cards
    assert "of 168 open: 164 no owner, 168 no deadline (never overdue)" in cards
    actions = _section(page, "actions")
    assert "164 name no owner and\n168 no deadline" in actions and "covers only the 0 open items" in actions
    data["summary"] |= {"open_untracked": 0, "open_without_owner": 0, "open_without_deadline": 0}
    assert "no open item is past its deadline" in render(data)


def test_quality_chart_shows_zeros_and_gaps_apart():
    chart = svg.grouped_bar_chart(
        "q",
        "t",
        "d",
        ["2025-Q1", "2025-Q2", "2025-Q3"],
        [svg.Series("BL", [0.0, None, 2.0], "q-BL"), svg.Series("QU", [0.0, None, 0.0], "q-QU")],
        y_label="y",
        x_label="x",
    )
    ET.fromstring(str(chart))
    assert chart.count('class="bar zero') == 3  # measured zeros: a stub each
    assert chart.count('<rect class="bar q-BL"') == 1  # the one non-zero value
    cols = chart.split('<g class="col">')[1:]
    assert '<rect class="bar' not in cols[1]  # a period without documents draws nothing


def test_recurrence_axis_is_a_percentage(page):
    chart = page.split('id="chart-recurrence"')[1].split("</svg>")[0]
    assert "% of the quarter&#39;s incidents recurring" in chart
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', chart)
    assert ticks and all(t.endswith("%") for t in ticks)


def test_category_colours_are_consistent(sample):
    ctx = build_context(sample)
    classes = category_classes(sample["taxonomy"]["labels"])
    for cluster in ctx["clusters"]:
        assert cluster["category_class"] == classes[cluster["category"]]
    for label, css in classes.items():
        assert f'<rect class="bar {css}"' in ctx["charts"]["categories"]
        assert any(r["label"] == label and r["css"] == css for r in ctx["taxonomy"]["rows"])


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": 1, "periods": [], "clusters": [], "documents": [], "undated": []},
        {"periods": [{"period": "2025-Q1", "incidents": 0, "recurrence_rate": None}], "summary": {"documents": 0}},
        {
            "periods": [{"period": "2025-Q1"}, None, "x"],
            "clusters": [{}, {"incidents": [None, {}], "representative": None}],
            "documents": [None, 3, {"quality": None}],
            "actions": {"overdue": [{}], "by_priority": {"none": {}, "P10": None, "P2": {"total": 1}}},
            "taxonomy": {"cv_accuracy": "high"},
            "target_rate": None,
            "unknown": {"extra": [1, 2]},
        },
    ],
)
def test_empty_and_partial_data(data):
    out = render(data)
    assert out.startswith("<!doctype html>") and out.rstrip().endswith("</html>")
    assert "No dated incidents in this range" in out
    assert "<svg" not in out


def test_one_period(sample):
    data = copy.deepcopy(sample)
    data["periods"] = [p for p in data["periods"] if p["period"] == "2025-Q4"]
    out = render(data)
    charts = re.findall(r"<svg\b.*?</svg>", out, re.S)
    assert len(charts) == 4
    for chart in charts:
        ET.fromstring(chart)
        assert ">2025-Q4</text>" in chart


def test_many_periods_thin_the_axis_labels(sample):
    labels = [f"2024-{m:02d}" for m in range(1, 13)] * 3
    chart = svg.line_chart("m", "t", "d", labels, [svg.Series("s", [0.1] * 36, "s-rate")], y_label="y", x_label="x")
    ticks = re.findall(r'class="tick" x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]+)<', chart)
    assert 6 <= len(ticks) <= 13


@pytest.mark.parametrize(
    ("maximum", "integer", "expected"),
    [
        (0.75, False, (0.8, 0.2)),
        (0.15, False, (0.15, 0.05)),
        (0.16, False, (0.2, 0.05)),
        (49 * 1.08, True, (60, 20)),
        (3, True, (3, 1)),
        (0, True, (4, 1)),
    ],
)
def test_nice_scale(maximum, integer, expected):
    top, step = svg.nice_scale(maximum, integer=integer)
    assert (round(top, 6), round(step, 6)) == expected


def test_percent_formatting():
    assert svg.fmt_percent(0.3091) == "31%"
    assert svg.fmt_percent(0.025) == "2.5%"
    assert svg.fmt_percent(0.15) == "15%"
    assert svg.fmt_percent_tick(0.125) == "12.5%"


# -- in a real browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI for the report rendering tests, and {CHROMIUM} is missing")
        pytest.skip(
            f"Chromium not installed at {CHROMIUM}: the headless rendering checks need it (apt install chromium)"
        )
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


def _run_chromium(binary: str, tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with its own profile, no background traffic, and a hard time limit."""
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


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for, from a Chromium net-log.

    The browser's own traffic (clock sync, sign-in, dictionaries) has the initiator
    'not an origin'; anything a document starts has the document's origin ('null' for file://).
    """
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job and "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"
    ]


def _png_rows(path: Path, limit: int) -> tuple[int, int, list[bytes]]:
    """The first ``limit`` rows of an 8-bit RGB(A) PNG: enough to sample colours without Pillow."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += chunk
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompressobj().decompress(idat, (width * bpp + 1) * limit)
    stride, rows, prev = width * bpp, [], bytearray(width * bpp)
    for y in range(min(limit, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_screenshot(chromium, page, tmp_path, mode):
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp_path / "report.png"
    extra = ["--blink-settings=preferredColorScheme=0"] if mode == "dark" else []
    result = _run_chromium(
        chromium, tmp_path, report.as_uri(), *extra, f"--screenshot={shot}", "--window-size=1280,2400"
    )
    assert shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a blank 1280x2400 page compresses to a few KB
    width, bpp, rows = _png_rows(shot, 700)
    assert width == 1280
    pixels = {row[i : i + 3] for row in rows for i in range(0, len(row), bpp)}
    assert len(pixels) > 200  # text, cards and colours, not a flat page
    corner = rows[2][3:6]  # the page background, top left
    luminance = 0.2126 * corner[0] + 0.7152 * corner[1] + 0.0722 * corner[2]
    assert (luminance > 230) if mode == "light" else (luminance < 40), (mode, corner)
    if keep := os.environ.get("PMREVIEW_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(keep) / f"report-{mode}.png")


def test_browser_renders_charts_without_requests(chromium, page, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    net_log = tmp_path / "net.json"
    result = _run_chromium(
        chromium,
        tmp_path,
        report.as_uri(),
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={net_log}",
        "--dump-dom",
    )
    dom = result.stdout
    assert 'data-js="ready"' in dom, "the inline script did not run (blocked by the CSP?)"
    assert dom.count("<svg") == 4 and dom.count('role="img"') == 4
    assert "Content Security Policy" not in result.stderr, "the page tried something its CSP blocks"
    assert "Uncaught" not in result.stderr
    assert _page_requests(net_log) == []


def test_request_detector_sees_page_requests(chromium, tmp_path):
    """Control for the check above: a page that does fetch something is caught."""
    probe = tmp_path / "probe.html"
    probe.write_text('<!doctype html><title>p</title><img src="http://127.0.0.1:9/pixel.png">', encoding="utf-8")
    net_log = tmp_path / "net.json"
    _run_chromium(chromium, tmp_path, probe.as_uri(), f"--log-net-log={net_log}", "--dump-dom")
    assert _page_requests(net_log) == ["http://127.0.0.1:9/pixel.png"]


def test_tables_sort_in_the_browser(chromium, page, tmp_path):
    """Click 'Days overdue' (descending -> ascending) and 'Last seen' in a real browser; read the order back."""
    probe = """<script>
var out = {};
var overdue = document.getElementById("overdue").nextElementSibling.querySelector("table");
var th = overdue.tHead.rows[0].cells[5];
th.querySelector("button").click();
out.days = Array.prototype.map.call(overdue.tBodies[0].rows, function (r) { return +r.cells[5].textContent; });
out.daysSort = th.getAttribute("aria-sort");
var clusters = document.getElementById("clusters-table");
clusters.tHead.rows[0].cells[5].querySelector("button").click();
out.last = Array.prototype.map.call(clusters.tBodies[0].rows, function (r) { return r.cells[5].textContent.trim(); });
out.others = clusters.tHead.rows[0].cells[0].getAttribute("aria-sort");
var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script></body>"""
    report = tmp_path / "report.html"
    # the page's CSP runs only scripts it names by hash: name the probe too, as its author would
    body = re.search(r"<script>(.*?)</script>", probe, re.S).group(1)
    allowed = page.replace("script-src ", f"script-src {script_hash(body)} ", 1)
    report.write_text(allowed.replace("</body>", probe), encoding="utf-8")
    result = _run_chromium(chromium, tmp_path, report.as_uri(), "--dump-dom")
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout)
    assert match, result.stderr[-2000:]
    out = json.loads(match.group(1).replace("&quot;", '"'))
    assert out["days"] == sorted(out["days"]) and len(out["days"]) == 14
    assert out["daysSort"] == "ascending"
    assert out["last"] == sorted(out["last"])
    assert out["others"] == "none"


def test_tables_fit_a_700px_window(chromium, page, tmp_path):
    """At 700 px no table needs sideways scrolling, the collapsed ones opened included."""
    probe = """<script>
var out = [];
Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (w) {
  out.push([w.querySelector("table").id || w.closest("section").id, w.scrollWidth - w.clientWidth]);
});
var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script></body>"""
    report = tmp_path / "report.html"
    body = re.search(r"<script>(.*?)</script>", probe, re.S).group(1)
    allowed = page.replace("script-src ", f"script-src {script_hash(body)} ", 1)
    report.write_text(allowed.replace("</body>", probe), encoding="utf-8")
    result = _run_chromium(chromium, tmp_path, report.as_uri(), "--window-size=700,2000", "--dump-dom")
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout)
    assert match, result.stderr[-2000:]
    overflow = json.loads(match.group(1).replace("&quot;", '"'))
    assert len(overflow) >= 6, overflow
    assert [o for o in overflow if o[1] > 1] == []


def test_a_script_the_page_does_not_name_is_blocked(chromium, page, tmp_path):
    """Should markup from the corpus ever get past the escaping, the CSP hash still stops it."""
    report = tmp_path / "report.html"
    injected = '<script>document.documentElement.setAttribute("data-injected", "ran")</script></body>'
    report.write_text(page.replace("</body>", injected), encoding="utf-8")
    dom = _run_chromium(chromium, tmp_path, report.as_uri(), "--dump-dom").stdout
    assert 'data-js="ready"' in dom  # ours ran
    assert 'data-injected="ran"' not in dom  # the stranger's did not
