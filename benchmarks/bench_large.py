"""Time one review of very large Markdown documents; prints numbers, asserts nothing.

    python benchmarks/bench_large.py [--quick] [--timeout 120] [--case NAME ...]

Cases (each in a fresh process, killed after ``--timeout`` seconds so a super-linear pass
shows up as "> N s" instead of hanging the run):

* ``realistic-1MB``/``5MB``/``10MB``: the example draft and the Markdown fixtures of the
  repository, repeated with varied titles, plus generated action-item tables, nested
  lists, timelines, code, quotes and suppression comments, so every pass has work;
* ``draft-x800``: the issue's case, the example draft repeated 800 times (1.5 MB);
* ``postmortems-5MB``: the real postmortems of ../shared/data/postmortems repeated to 5 MB
  (skipped without them): prose as it is usually written, far fewer findings per page;
* ``postmortems-once``: each of them once (about 0.5 MB): the engine parses each distinct
  sentence once, so the repeated cases show the cost of our own passes, and this one the
  cost of spaCy on prose that never repeats (its seconds per MB are the figure to scale);
* ``table-100k``: one action-item table of 100,000 rows (6 MB: past the input limit);
* ``headings-100k``: 100,000 headings (canonical sections, nested levels, short bodies);
* ``nested-1k``: lists 1,000 levels deep line by line and on one line, quotes as deep, 4 times.

The review is ``reviewer.engine.review_inputs`` end to end, results cache off, with spaCy
loaded before the clock starts. The columns split the time: ``markdown`` (markdown-it and
``reviewer.markdown.parse``), ``select`` (sentence split and rule prefilters), ``spacy``
(the parse of candidate sentences, inherently linear in their number), ``finish`` (rule
checks, whole-document checks, action items, suppressions). The input limit (5 MB) is lifted
in the child process, so 10 MB shows the growth rate. ``parsed`` counts the sentences spaCy saw.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
SHARED = ROOT.parent / "shared" / "data" / "postmortems"
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def _pool() -> list[str]:
    """The repository's own Markdown: the example draft and the fixtures (front matter dropped)."""
    paths = [ROOT / "examples" / "2026-11-03-checkout-draft.md"]
    for folder in ("tests/fixtures/formats", "tests/fixtures/language", "tests/fixtures/report"):
        paths += sorted((ROOT / folder).glob("*.md"))
    paths += sorted((ROOT / "reviewer" / "data" / "corpus" / "examples").glob("*.md"))
    return [FRONT_MATTER.sub("", p.read_text(encoding="utf-8")) for p in paths]


def _extra(i: int) -> str:
    """Generated sections that vary per copy: tables, deep lists, timelines, code, quotes, directives."""
    team = ("payments", "search-team", "sre", "platform")[i % 4]
    day = 1 + i % 28
    return f"""
## Timeline (UTC)

- 10:{i % 60:02d} UTC Deploy {i} starts.
- 10:{(i + 7) % 60:02d} The alert fires and pages the on-call.
  - 10:{(i + 9) % 60:02d} CET The on-call engineer acknowledges.
    - The runbook link {i} was stale.
      - Nobody could find the dashboard.
- 11:{i % 60:02d} PST Error rates return to baseline.

| Time | Event |
|------|-------|
| 12:{i % 60:02d} UTC | Rollback {i} completes. |
| 12:{(i + 3) % 60:02d} | Traffic shifts back. |

## Impact

Roughly {i % 97}% of requests to the `api-{i}` endpoint failed for {i % 50 + 3} minutes.

> Quoted from the status page: "The engineer was careless with incident {i}."

```yaml
timeout: {i}s
```

<!-- pmreview-disable-next-line BL001 -->
This outage {i} was human error.

## Action items

| Action | Owner | Due | Priority |
|--------|-------|-----|----------|
| Add a canary stage for config change {i} | @{team} | 2026-12-{day:02d} | P1 |
| Improve monitoring | TBD | | |
| Be more careful with deploy {i} | someone | next sprint | P2 |

1. Write a runbook for failure mode {i}. Owner: @{team}, due 2026-12-{day:02d}.
   - Include the dashboard link.
     - And the rollback command `kubectl rollout undo`.
2. [ ] Double-check timeouts before merging.
"""


def realistic(size: int) -> str:
    """About ``size`` bytes of postmortem Markdown."""
    pool = _pool()
    parts = ["---\ntitle: Many incidents\ndate: 2026-11-03\n---\n"]
    total = len(parts[0])
    i = 0
    while total < size:
        doc = pool[i % len(pool)]
        doc = re.sub(r"^(# .*)$", rf"\1 (copy {i})", doc, count=1, flags=re.M)
        chunk = doc.rstrip("\n") + "\n" + _extra(i)
        parts.append(chunk)
        total += len(chunk.encode("utf-8"))
        i += 1
    return "\n".join(parts)


def table(rows: int) -> str:
    head = "# Postmortem: many actions\n\n## Summary\n\nA long list of work.\n\n## Action items\n\n"
    head += "| Action | Owner | Due | Status |\n|---|---|---|---|\n"
    owners = ("@sre", "TBD", "", "Platform team")
    body = "".join(
        f"| Add alert {r} for queue depth | {owners[r % 4]} | 2026-12-{1 + r % 28:02d} | {'done' if r % 5 == 0 else 'open'} |\n"
        for r in range(rows)
    )
    return head + body


def headings(count: int) -> str:
    names = ("Summary", "Impact", "Timeline", "Contributing factors", "Action items", "Detection", "Notes")
    out = ["# Postmortem: many headings\n"]
    for h in range(count):
        level = 2 + h % 3
        body = ("", f"Item {h} took {h % 60} minutes.", "", "This was human error.")[h % 4]
        if h % 20 == 19:
            body = "Bruno should have rolled back the change first."  # one in 20 goes to spaCy
        body = f"\n{body}\n" if body else ""
        out.append(f"{'#' * level} {names[h % len(names)]} {h}\n{body}")
    return "\n".join(out)


def nested(depth: int, copies: int) -> str:
    """Lists ``depth`` levels deep written out line by line, and on one line; quotes as deep."""
    one = "".join(f"{'  ' * d}- level {d}: this was human error.\n" for d in range(depth))
    quotes = "> " * depth + "This was human error.\n"
    inline = "- " * depth + "This was human error.\n"
    return "# Postmortem: nesting\n\n## Summary\n\n" + "\n".join([one, quotes, inline] * copies)


def draft(copies: int) -> str:
    """The issue's case: the example draft, front matter and all, repeated."""
    return (ROOT / "examples" / "2026-11-03-checkout-draft.md").read_text(encoding="utf-8") * copies


def postmortems(size: int | None) -> str:
    """Real postmortems (../shared/data/postmortems, when present) repeated to ``size`` bytes, or each once."""
    paths = sorted(SHARED.rglob("*.md"))
    docs = [FRONT_MATTER.sub("", p.read_text(encoding="utf-8")) for p in paths if p.name != "LICENSES.md"]
    if size is None:
        return "\n".join(docs)
    out, total, i = [], 0, 0
    while total < size:
        out.append(docs[i % len(docs)])
        total += len(out[-1].encode("utf-8"))
        i += 1
    return "\n".join(out)


def build(case: str, quick: bool) -> str:
    scale = 10 if quick else 1
    if case.startswith("realistic-"):
        return realistic(int(float(case.split("-")[1].removesuffix("MB")) * MB / scale))
    if case == "table-100k":
        return table(100_000 // scale)
    if case == "headings-100k":
        return headings(100_000 // scale)
    if case == "nested-1k":
        return nested(1000 // scale, 2 if quick else 4)
    if case == "draft-x800":
        return draft(800 // scale)
    if case == "postmortems-5MB":
        return postmortems(5 * MB // scale)
    if case == "postmortems-once":
        return postmortems(None)  # every real postmortem once: spaCy parses every sentence

    raise SystemExit(f"unknown case {case}")


def run_case(case: str, quick: bool) -> dict:
    """In this (child) process: build the document, then time one review, phase by phase."""
    import reviewer.engine as engine
    import reviewer.nlp as nlp
    import reviewer.source as source

    text = build(case, quick)
    source.MAX_BYTES = 64 * MB  # 10 MB is past the limit: lifted here only, to see the growth
    nlp.load(nlp.DEFAULT_MODEL)  # the key the engine asks for: functools.cache tells load() from load(name)
    phases = {"markdown": 0.0, "spacy": 0.0, "finish": 0.0}
    parsed = [0]

    def timed(name, fn, count=False):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            if count:
                out = list(out)
                parsed[0] += len(out)
            phases[name] += time.perf_counter() - t
            return out

        return wrapper

    engine.parse = timed("markdown", engine.parse)
    nlp.parse = timed("spacy", nlp.parse, count=True)
    engine._finish = timed("finish", engine._finish)
    data = text.encode("utf-8")
    t0 = time.perf_counter()
    report = engine.review_inputs([engine.Input("large.md", None, data)], engine.Options())
    total = time.perf_counter() - t0
    result = report.files[0]
    return {
        "case": case,
        "mb": len(data) / MB,
        "lines": text.count("\n") + 1,
        "total": total,
        "select": total - sum(phases.values()),
        **phases,
        "sentences": parsed[0],
        "findings": len(result.findings),
        "actions": len(result.actions),
        "error": result.error,
    }


CASES = (
    "realistic-1MB",
    "realistic-5MB",
    "realistic-10MB",
    "draft-x800",
    "postmortems-5MB",
    "postmortems-once",
    "table-100k",
    "headings-100k",
    "nested-1k",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a case is stopped")
    parser.add_argument("--case", action="append", choices=CASES, help="only these cases (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.quick)))
        return
    cols = ("markdown", "select", "spacy", "finish")
    print(f"{'case':<16}{'MB':>7}{'lines':>9}{'total s':>10}" + "".join(f"{c + ' s':>11}" for c in cols), end="")
    print(f"{'parsed':>9}{'findings':>10}{'actions':>9}")
    for case in args.case or CASES:
        if case.startswith("postmortems-") and not SHARED.is_dir():
            print(f"{case:<16} skipped: no {SHARED}")
            continue
        cmd = [sys.executable, __file__, "--child", case, *(["--quick"] if args.quick else [])]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            print(f"{case:<16}{'':>7}{'':>9}{'> ' + format(args.timeout, 'g') + ' s':>10}")
            continue
        if proc.returncode != 0:
            print(
                f"{case:<16} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
            )
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        line = f"{case:<16}{r['mb']:>7.2f}{r['lines']:>9}{r['total']:>10.2f}" + "".join(f"{r[c]:>11.2f}" for c in cols)
        print(
            line
            + f"{r['sentences']:>9}{r['findings']:>10}{r['actions']:>9}"
            + (f"  {r['error']}" if r["error"] else "")
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
