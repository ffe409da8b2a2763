"""Report speed: `pmreview report` data on the real postmortems and on a synthetic 5,000-document corpus.

    python benchmarks/bench_report.py [--corpus ../shared/data/postmortems] [--documents 5000] [--keep DIR]

Prints, for each corpus: the cold index build (parse and embed every factor), the cold
report (review of every document, clustering), the warm report (index, results cache and
cluster cache all up to date) in-process and as a new `pmreview report` process (imports
and model loading included), and a warm report that has to re-cluster every factor (and name the clusters again). Targets on the 2-core development machine: under 2 s warm for the 58 real
documents, under 30 s warm for 5,000. Asserts nothing.

The synthetic corpus is generated from templates: random contributing factors (30
weaknesses x 30 systems x 3 phrasings, so that many recur in other words), action items
with and without owners, deadlines, priorities and checkboxes, dates over seven years, a
few undated documents and some blameful sentences for the quality counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SYSTEMS = [
    "billing",
    "checkout",
    "search",
    "inventory",
    "payments",
    "identity",
    "notifications",
    "ledger",
    "recommendations",
    "shipping",
    "pricing",
    "reporting",
    "media",
    "messaging",
    "catalogue",
    "loyalty",
    "fraud",
    "warehouse",
    "onboarding",
    "analytics",
    "gateway",
    "scheduler",
    "exports",
    "mobile-api",
    "web-frontend",
    "data-pipeline",
    "feature-flags",
    "session-store",
    "email",
    "cdn",
]
# {s}: a system; three phrasings per weakness, so a repeat is rarely word-for-word
WEAKNESSES = [
    (
        "The {s} lag alerts post to a channel nobody owns.",
        "Warnings from {s} go to a muted chat room with no owner.",
        "Nobody watches the destination of the {s} alerts.",
    ),
    (
        "The {s} error-rate alert only fires after the service is already down.",
        "The {s} alert threshold is set above the point of failure.",
        "{s} alerts trigger too late to act on.",
    ),
    (
        "There is no alert on {s} queue depth.",
        "Nothing pages when {s} stops processing work.",
        "{s} has no alerting on its backlog at all.",
    ),
    (
        "The {s} on-call ignores pages because most of them are noise.",
        "Alert fatigue on {s}: dozens of flapping alerts a day.",
        "{s} pages are so noisy that real ones get acknowledged without a look.",
    ),
    (
        "The {s} configuration change was not validated before it was applied.",
        "A malformed {s} config file passed CI because nothing checks its schema.",
        "No validation step exists for {s} configuration pushes.",
    ),
    (
        "The {s} release went to every region at once with no canary.",
        "{s} changes roll out to all users in one step.",
        "There is no staged rollout for {s} deployments.",
    ),
    (
        "The {s} change was merged without review.",
        "Nobody reviewed the {s} change before it shipped.",
        "The {s} hotfix bypassed code review.",
    ),
    (
        "There was no quick way to roll back the {s} release.",
        "Rolling back {s} required a full rebuild.",
        "The {s} deploy had no rollback path.",
    ),
    (
        "The {s} staging environment does not match production.",
        "{s} staging runs different versions than production.",
        "Testing {s} in staging missed the problem because the data is far smaller.",
    ),
    (
        "The {s} database connection pool was exhausted under load.",
        "{s} ran out of database connections.",
        "All {s} workers waited on a full connection pool.",
    ),
    (
        "{s} hit its autoscaling maximum and could not add capacity.",
        "The {s} autoscaler was capped too low for the peak.",
        "{s} stopped scaling at the configured ceiling.",
    ),
    (
        "The {s} hosts ran out of disk because logs were never rotated.",
        "{s} disks filled up with old files.",
        "A full disk stopped {s} from writing.",
    ),
    (
        "The {s} certificate expired without anyone noticing.",
        "Nobody tracked the expiry date of the {s} credentials.",
        "The {s} API key expired and calls started failing.",
    ),
    (
        "{s} clients retry immediately without backoff.",
        "A retry storm from {s} clients multiplied the load.",
        "{s} retries had no limit and no jitter.",
    ),
    (
        "{s} calls its dependency with no timeout.",
        "Requests from {s} hung because no timeout was set.",
        "{s} threads blocked forever on a slow downstream call.",
    ),
    (
        "{s} runs on a single instance with no failover.",
        "{s} is a single point of failure.",
        "There is only one {s} node and no standby.",
    ),
    (
        "The {s} failover had never been tested.",
        "Failing over {s} did not work the first time it was needed.",
        "The {s} standby was never exercised in a drill.",
    ),
    (
        "The {s} runbook was out of date.",
        "The {s} recovery steps described a system that no longer exists.",
        "Responders followed an outdated {s} runbook.",
    ),
    (
        "There is no runbook for {s}.",
        "Recovering {s} is not documented anywhere.",
        "The {s} recovery procedure was never written down.",
    ),
    (
        "Recovering {s} needed many manual steps.",
        "{s} mitigation was a long list of hand-typed commands.",
        "Manual steps to restore {s} were slow and error-prone.",
    ),
    (
        "The incident on {s} was declared late.",
        "Nobody declared an incident for {s} for the first hour.",
        "The {s} outage ran for an hour before an incident was opened.",
    ),
    (
        "No team owns {s}.",
        "Ownership of {s} is unclear since the reorganisation.",
        "{s} has no owning team.",
    ),
    (
        "Only one engineer understands {s}.",
        "Knowledge of {s} sits with a single person.",
        "The only person who knew {s} was on leave.",
    ),
    (
        "The on-call rotation for {s} had a gap.",
        "Nobody was on call for {s} over the weekend.",
        "The {s} on-call schedule left the night uncovered.",
    ),
    (
        "Responders lacked access to the {s} production account.",
        "Getting access to {s} during the incident took forty minutes.",
        "The on-call could not log in to {s} to mitigate.",
    ),
    (
        "The {s} health check only tests that the process is up.",
        "{s} health checks passed while requests were failing.",
        "The {s} load balancer kept sending traffic to broken instances.",
    ),
    (
        "{s} logs were not shipped off the hosts.",
        "The {s} log shipper stopped and nobody noticed.",
        "Logs from {s} were lost when the nodes were replaced.",
    ),
    (
        "The {s} schema migration could not be reversed.",
        "The {s} data migration was irreversible.",
        "The {s} migration dropped a column still in use.",
    ),
    (
        "The {s} dependency upgrade changed behaviour.",
        "Upgrading the {s} library broke a default.",
        "A new major version of a {s} dependency was deployed without reading its release notes.",
    ),
    (
        "{s} accepted malformed input without validation.",
        "A bad payload crashed {s} because input is not checked.",
        "{s} does not validate the size of uploads.",
    ),
]
PEOPLE = ["Ana", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hiro"]
TEAMS = ["@platform", "@payments", "@sre", "@data", "@identity", "@mobile", "@web"]
BLAME = [
    "This was human error.",
    "The root cause was a bad deploy.",
    "{p} should have checked the dashboard first.",
    "Who approved the change without a test?",
]


def synthesize(root: Path, documents: int, seed: int = 0) -> None:
    """Write ``documents`` fictional postmortems under ``root`` (deterministic for a seed)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    start = date(2019, 1, 1)
    for i in range(documents):
        day = start + timedelta(days=rng.randrange(7 * 365))
        system = rng.choice(SYSTEMS)
        undated = rng.random() < 0.02
        name = f"pm-{i:05d}.md" if undated else f"{day.isoformat()}-{system}-{i:05d}.md"
        front = "" if undated else f"---\ntitle: {system} incident {i}\ndate: {day.isoformat()}\n---\n"
        factors = []
        for _ in range(rng.randint(5, 9)):
            phrasing = rng.choice(rng.choice(WEAKNESSES))
            factors.append(phrasing.format(s=rng.choice(SYSTEMS) if rng.random() < 0.5 else system))
        factor_lines = "\n".join(f"- {f[0].upper()}{f[1:]}" for f in factors)
        actions = []
        for _ in range(rng.randint(2, 6)):
            box = "x" if rng.random() < 0.4 else " "
            text = f"Fix the {rng.choice(SYSTEMS)} {rng.choice(['alert', 'timeout', 'runbook', 'rollout', 'limit'])}"
            if rng.random() < 0.7:
                text += f". Owner: {rng.choice(TEAMS)}"
            if rng.random() < 0.6:
                text += f", due {(day + timedelta(days=rng.randrange(7, 120))).isoformat()}"
            if rng.random() < 0.5:
                text += f", P{rng.randint(1, 3)}"
            actions.append(f"- [{box}] {text}.")
        blame = rng.choice(BLAME).format(p=rng.choice(PEOPLE)) if rng.random() < 0.3 else ""
        body = (
            f"{front}# {system.capitalize()} incident {i}\n\n## Summary\n\n"
            f"{system.capitalize()} was degraded for {rng.randint(5, 300)} minutes. {blame}\n\n"
            f"## Contributing factors\n\n{factor_lines}\n\n## Action items\n\n" + "\n".join(actions) + "\n"
        )
        (root / name).write_text(body, encoding="utf-8")


def timed(label: str, fn) -> object:
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<52} {time.perf_counter() - t0:7.2f} s", flush=True)
    return out


def run(corpus: Path, workdir: Path, as_of: str) -> None:
    """Cold index build, cold report (review + clustering), warm report in-process and as a new process."""
    from reviewer.report.corpus import fresh_index
    from reviewer.report.data import Settings, compute

    index_dir = workdir / "index"
    cache_dir = workdir / "results"
    settings = Settings(as_of=date.fromisoformat(as_of), index_dir=index_dir, cache_dir=cache_dir)
    index, built = timed("index build (cold: parse + embed every factor)", lambda: fresh_index(corpus, index_dir))
    print(f"    {len(index.docs)} documents, {index.factor_count} factors{'' if built else ' (was already fresh)'}")
    data = timed("report, cold caches (review every document, cluster)", lambda: compute(corpus, settings))
    s = data["summary"]
    print(
        f"    {s['documents']} documents ({s['undated']} undated), {s['factors']} factors, "
        f"{s['recurring_clusters']} recurring clusters, recurrence rate {s['recurrence_rate']}"
    )
    warm = timed("report, warm (index, results and cluster caches)", lambda: compute(corpus, settings))
    assert warm == data
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PMREVIEW_CACHE_DIR": str(cache_dir)}
    exe = shutil.which("pmreview")
    cmd = [exe] if exe else [sys.executable, "-m", "reviewer.cli"]
    args = [*cmd, "report", str(corpus), "--format", "json", "--as-of", as_of, "--index-dir", str(index_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, env=env, cwd=workdir)
    took = time.perf_counter() - t0
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.decode()[-300:]}"
    print(f"  {'report, warm, `pmreview report` in a new process':<52} {took:7.2f} s   {status}")
    if proc.returncode == 0 and json.loads(proc.stdout) != data:
        print("    (the command's output differs from the in-process one!)")
    digest(corpus, workdir, data, as_of, env, cmd)
    # the clustering and naming without their cache: what a report pays when every component changed
    t0 = time.perf_counter()
    (index_dir / "report-clusters.json").unlink()
    compute(corpus, settings)
    print(f"  {'report, warm, but re-clustering everything':<52} {time.perf_counter() - t0:7.2f} s")


def digest(corpus: Path, workdir: Path, data: dict, as_of: str, env: dict, cmd: list[str]) -> None:
    """`pmreview digest` on the warm caches: what it adds to the report's data (build and render
    the week's digest) in-process, and the whole command in a new process."""
    from reviewer.digest import html, markdown
    from reviewer.digest.data import build
    from reviewer.digest.window import parse_since

    day = date.fromisoformat(as_of)

    def made() -> dict:
        out = build(data, parse_since("7d", day), day)
        markdown.render(out)
        html.render(out)
        return out

    week = timed("digest from the report's data (build + Markdown + HTML)", made)
    s = week["summary"]
    print(f"    {s['incidents']} incidents in the week, {s['past_due']} past due, {s['write_ups']} write-ups to finish")
    args = [*cmd, "digest", str(corpus), "--as-of", as_of, "--index-dir", str(workdir / "index")]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, env=env, cwd=workdir)
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.decode()[-300:]}"
    print(f"  {'digest, warm, `pmreview digest` in a new process':<52} {time.perf_counter() - t0:7.2f} s   {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--as-of", default="2026-11-22")
    parser.add_argument(
        "--keep", type=Path, help="Keep the synthetic corpus, its index and caches here (a second run starts warm)."
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="pmreview-bench-report-") as tmp:
        work = Path(tmp)
        if args.corpus.is_dir():
            print(f"real corpus: {args.corpus}")
            (work / "real").mkdir()
            run(args.corpus, work / "real", args.as_of)
        synth = args.keep or work / "synthetic"
        corpus = synth / "corpus"
        if not (corpus.is_dir() and any(corpus.iterdir())):
            timed(f"generate {args.documents} documents", lambda: synthesize(corpus, args.documents))
        print(f"synthetic corpus: {sum(1 for _ in corpus.glob('*.md'))} documents in {corpus}")
        run(corpus, synth, args.as_of)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
