"""opsmith on real repositories: findings per rule and family, speed against checkov, judged samples.

    python bench/realworld.py --repos /tmp/realworld/* [--opsmith CMD] [--no-checkov] [--repeat N] [--json]
    python bench/realworld.py --repos ... --no-checkov --sample 200 --seed 12 --out FILE.csv
    python bench/realworld.py --precision bench/realworld/judgments.csv

Each DIR given to --repos is one repository (an extracted snapshot: files only, no .git needed);
its folder name is its label, and its commit comes from --commits (default
bench/realworld/repos.txt, `label commit` lines) or, in a git checkout, from `git rev-parse`.

For each repository it runs `opsmith audit --format json` (wall and CPU time), then once per
rule prefix with `--select` to count the files of each family (a prefix's run also counts the files
of the families its rules read, which are subtracted). It prints warning and error findings per
rule, the share of the family's files each rule fires on (flagged above one half), files by
classification (read from the JSON summary when the audit reports one; otherwise all production),
and checkov's times on the same folder (`--skip-download`, every framework; see
bench/iac_vs_checkov.py for its separate venv) with the ratios. Both tools are timed --repeat times
(default 3), in turns so that both see the same load, and the medians are compared; CPU time
(user + system) is the steadier figure on a shared machine. It asserts nothing.

--sample draws warning and error findings with a fixed seed, at most --per-rule per rule per
repository, and appends them to --out with the columns of judgments.csv (verdict and reason left
for a person to fill in). --precision reads a judged file and prints true / (true + false) per
phase, on all paths and on production paths (paths with no test, example or docs folder).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
COLUMNS = ("repository@commit", "path:line", "rule", "severity", "verdict", "reason", "phase")
JUDGED = ("warning", "error")
FLAG_SHARE = 0.5
# Folders whose files are tests, examples, fixtures or development tooling rather than what a
# repository runs in production (the patterns issue 12 lists, plus Rails' spec/).
NOT_PRODUCTION = frozenset(
    {
        "test",
        "tests",
        "testdata",
        "testing",
        "__tests__",
        "spec",
        "fixtures",
        "fixture",
        "e2e",
        "hack",
        ".ci",
        ".devcontainer",
        "examples",
        "example",
        "docs",
        "documentation",
    }
)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system of the child: moves much less than wall time on a busy machine


@dataclass
class RepoRun:
    label: str
    commit: str
    time: Timing
    files: int
    findings: list[dict[str, Any]]
    classification: dict[str, int]
    family_files: dict[str, int] = field(default_factory=dict)
    checkov: Timing | None = None

    def judged(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] in JUDGED]


# --- running ------------------------------------------------------------------------------------


def timed(argv: Sequence[str], timeout: float | None = None) -> tuple[str, str, int | None, Timing]:
    """(stdout, stderr, exit code or None on timeout, timing). The command runs in its own session
    so a timeout ends its worker processes too (checkov's pool has been seen to hang)."""
    before = os.times()
    start = time.perf_counter()
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as child:
        try:
            out, err = child.communicate(timeout=timeout)
            code: int | None = child.returncode
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, err = child.communicate()
            code = None
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return out, err, code, Timing(wall, cpu)


def audit(cmd: Sequence[str], root: Path, *extra: str) -> tuple[dict[str, Any], Timing]:
    argv = [*cmd, "audit", str(root), "--format", "json", "--fail-on", "never", *extra]
    out, err, code, timing = timed(argv)
    if code != 0:
        sys.exit(f"{shlex.join(argv)} failed ({code}): {err.strip()[-400:]}")
    payload: dict[str, Any] = json.loads(out)
    return payload, timing


def prefixes_read() -> dict[str, set[str]]:
    """Rule prefix -> prefixes of the families its run also parses (and counts as files)."""
    from opsmith.audit.families import BY_NAME, FAMILIES

    reads: dict[str, set[str]] = defaultdict(set)
    for family in FAMILIES:
        reads[family.prefix].update(BY_NAME[name].prefix for name in family.reads)
    return {prefix: read - {prefix} for prefix, read in reads.items()}


def family_files(cmd: Sequence[str], root: Path) -> dict[str, int]:
    reads = prefixes_read()
    counted = {prefix: audit(cmd, root, "--select", prefix)[0]["summary"]["files"] for prefix in reads}
    return {
        prefix: counted[prefix] - sum(counted[other] for other in reads[prefix])
        for prefix in reads
        if prefix != "RP"  # repository-wide rules have no files of their own
    }


def classification(payload: dict[str, Any]) -> dict[str, int]:
    summary = payload["summary"]
    tests = int(summary.get("test_files", 0))
    others = int(summary.get("other_tool_files", 0))
    return {"production": summary["files"] - tests, "test": tests, "other tool's": others}


def checkov_time(checkov: str, root: Path, timeout: float) -> Timing | None:
    """checkov's timing, None when it did not finish within `timeout` seconds."""
    _, _, code, timing = timed([checkov, "--skip-download", "-d", str(root), "--quiet", "--compact"], timeout)
    return None if code is None else timing


def commits(table: Path) -> dict[str, str]:
    if not table.exists():
        return {}
    pairs = (line.split() for line in table.read_text().splitlines() if line.strip())
    return {pair[0]: pair[1] for pair in pairs if len(pair) >= 2 and not pair[0].startswith("#")}


def commit_of(root: Path, known: dict[str, str]) -> str:
    if root.name in known:
        return known[root.name]
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def median(timings: Sequence[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def measure(
    root: Path, cmd: Sequence[str], commit: str, checkov: str | None, *, timeout: float, repeat: int
) -> RepoRun:
    payload, timing = audit(cmd, root)
    run = RepoRun(
        root.name, commit, timing, payload["summary"]["files"], payload["findings"], classification(payload)
    )
    run.family_files = family_files(cmd, root)
    mine: list[Timing] = [timing]
    theirs: list[Timing] | None = []
    for turn in range(repeat):
        if turn:
            mine.append(audit(cmd, root)[1])
        if checkov is not None and theirs is not None:
            timed_checkov = checkov_time(checkov, root, timeout)
            theirs = None if timed_checkov is None else [*theirs, timed_checkov]  # no use waiting again
    run.time = median(mine)
    run.checkov = median(theirs) if theirs else None
    return run


# --- reporting ----------------------------------------------------------------------------------


def rule_rows(runs: Iterable[RepoRun]) -> dict[str, tuple[int, int, int]]:
    """rule -> (warning/error findings, files it fires on, files of its family)."""
    found: Counter[str] = Counter()
    paths: dict[str, set[tuple[str, str]]] = defaultdict(set)
    family: Counter[str] = Counter()
    for run in runs:
        for prefix, count in run.family_files.items():
            family[prefix] += count
        for f in run.judged():
            found[f["rule"]] += 1
            paths[f["rule"]].add((run.label, f["path"]))
    return {rule: (found[rule], len(paths[rule]), family[rule[:2]]) for rule in sorted(found)}


def print_rules(rows: dict[str, tuple[int, int, int]], indent: str) -> None:
    print(f"{indent}{'rule':<7} {'findings':>8} {'files':>6} {'of':>5} {'share':>6}")
    for rule, (count, fired, total) in rows.items():
        if not total:  # a repository-wide rule: no family files to compare with
            print(f"{indent}{rule:<7} {count:>8} {fired:>6} {'-':>5} {'-':>6}")
            continue
        share = fired / total
        flag = "  > half" if share > FLAG_SHARE else ""
        print(f"{indent}{rule:<7} {count:>8} {fired:>6} {total:>5} {share:>6.0%}{flag}")


def ratio(run: RepoRun) -> str:
    if run.checkov is None:
        return "-"
    return f"{run.checkov.wall / run.time.wall:.1f}x wall, {run.checkov.cpu / run.time.cpu:.1f}x CPU"


def seconds(timing: Timing | None) -> str:
    return "not run or timed out" if timing is None else f"{timing.wall:.2f} s ({timing.cpu:.2f} s CPU)"


def print_text(runs: list[RepoRun]) -> None:
    for run in runs:
        by_severity = Counter(f["severity"] for f in run.findings)
        print(f"== {run.label} @ {run.commit[:12]}")
        print(f"   opsmith {seconds(run.time)}, checkov {seconds(run.checkov)}; ratio {ratio(run)}")
        print(f"   {run.files} files ({', '.join(f'{v} {k}' for k, v in run.classification.items())})")
        print(
            "   family files: "
            + ", ".join(f"{p} {n}" for p, n in run.family_files.items() if n)
            + f"; findings: {', '.join(f'{n} {s}' for s, n in sorted(by_severity.items()))}"
        )
        print_rules(rule_rows([run]), "   ")
    print("== all repositories")
    print_rules(rule_rows(runs), "   ")
    total = sum(r.time.wall for r in runs)
    print(f"   opsmith {total:.2f} s in all", end="")
    against = [r for r in runs if r.checkov is not None]
    if against:
        slowest = min(against, key=lambda r: r.checkov.wall / r.time.wall if r.checkov else 0.0)
        print(f"; smallest ratio to checkov {ratio(slowest)} ({slowest.label})", end="")
    print()


def as_json(runs: list[RepoRun]) -> dict[str, Any]:
    return {
        "repositories": [
            {
                "repository": run.label,
                "commit": run.commit,
                "opsmith_seconds": round(run.time.wall, 3),
                "opsmith_cpu_seconds": round(run.time.cpu, 3),
                "checkov_seconds": None if run.checkov is None else round(run.checkov.wall, 3),
                "checkov_cpu_seconds": None if run.checkov is None else round(run.checkov.cpu, 3),
                "files": run.files,
                "classification": run.classification,
                "family_files": run.family_files,
                "by_severity": dict(Counter(f["severity"] for f in run.findings)),
                "rules": {
                    rule: {"findings": n, "files": fired, "family_files": total}
                    for rule, (n, fired, total) in rule_rows([run]).items()
                },
            }
            for run in runs
        ]
    }


# --- sampling and precision ---------------------------------------------------------------------


def sample(runs: list[RepoRun], count: int, seed: int, per_rule: int) -> list[tuple[RepoRun, dict[str, Any]]]:
    """Up to `per_rule` warning/error findings per rule per repository, then `count` of those, both
    drawn with one seeded generator over sorted input so the same run gives the same sample."""
    rng = random.Random(seed)
    pool: list[tuple[RepoRun, dict[str, Any]]] = []
    for run in sorted(runs, key=lambda r: r.label):
        groups: dict[str, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
        for f in run.judged():
            groups[f["rule"]].setdefault((f["path"], f["line"] or 0), f)
        for rule in sorted(groups):
            found = [groups[rule][key] for key in sorted(groups[rule])]
            pool.extend((run, f) for f in rng.sample(found, min(per_rule, len(found))))
    if len(pool) > count:
        pool = rng.sample(pool, count)
    return sorted(pool, key=lambda item: (item[0].label, item[1]["path"], item[1]["line"] or 0))


def write_sample(picked: list[tuple[RepoRun, dict[str, Any]]], out: Path, phase: str) -> None:
    new = not out.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", newline="") as stream:
        writer = csv.writer(stream)
        if new:
            writer.writerow(COLUMNS)
        for run, f in picked:
            where = f"{f['path']}:{f['line'] if f['line'] is not None else ''}"
            writer.writerow([f"{run.label}@{run.commit}", where, f["rule"], f["severity"], "", "", phase])


def production(path: str) -> bool:
    return not NOT_PRODUCTION.intersection(path.split("/")[:-1])


def precision_line(label: str, verdicts: Counter[str]) -> str:
    right, wrong, unsure = verdicts["true"], verdicts["false"], verdicts["debatable"]
    judged = right + wrong
    value = f"{right / judged:.1%}" if judged else "-"
    strict = f"{right / (judged + unsure):.1%}" if judged + unsure else "-"
    return (
        f"{label:<34} precision {value:>6} (true {right}, false {wrong}, debatable {unsure}; "
        f"debatable as false: {strict})"
    )


def print_precision(table: Path) -> None:
    with table.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    for phase in dict.fromkeys(row["phase"] for row in rows):
        mine = [row for row in rows if row["phase"] == phase and row["verdict"]]
        everywhere = Counter(row["verdict"] for row in mine)
        prod = Counter(row["verdict"] for row in mine if production(row["path:line"].rsplit(":", 1)[0]))
        print(f"== {phase}: {len(mine)} judged findings")
        print(precision_line("all paths", everywhere))
        print(precision_line("production paths", prod))
        by_rule: dict[str, Counter[str]] = defaultdict(Counter)
        for row in mine:
            by_rule[row["rule"]][row["verdict"]] += 1
        for rule, verdicts in sorted(by_rule.items(), key=lambda item: -item[1]["false"]):
            if verdicts["false"]:
                print(precision_line(f"  {rule}", verdicts))


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opsmith", default=shlex.join([sys.executable, "-m", "opsmith"]), help="command")
    parser.add_argument("--repos", nargs="+", type=Path, default=[], metavar="DIR")
    parser.add_argument("--commits", type=Path, default=HERE / "realworld" / "repos.txt")
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--checkov", help="path to a checkov executable (see bench/iac_vs_checkov.py)")
    parser.add_argument("--install-checkov", action="store_true")
    parser.add_argument("--checkov-timeout", type=float, default=900, help="seconds before checkov is ended")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each tool (medians compared)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--sample", type=int, metavar="N", help="sample N warning/error findings")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--per-rule", type=int, default=3, help="most sampled per rule per repository")
    parser.add_argument("--out", type=Path, help="CSV the sample is appended to")
    parser.add_argument("--phase", default="before", help="the sample's phase column")
    parser.add_argument("--precision", type=Path, metavar="CSV", help="print precision of a judged CSV")
    args = parser.parse_args()
    if args.precision:
        print_precision(args.precision)
        return
    if not args.repos:
        parser.error("give --repos DIR... or --precision CSV")
    if args.sample and not args.out:
        parser.error("--sample needs --out")
    checkov = None
    if not args.no_checkov:
        # imported here: it compiles opsmith for timing, which listing precision does not need
        sys.path.insert(0, str(HERE))
        from iac_vs_checkov import find_checkov

        checkov = find_checkov(args.checkov, args.install_checkov)
    cmd = shlex.split(args.opsmith)
    known = commits(args.commits)
    runs = [
        measure(
            root,
            cmd,
            commit_of(root, known),
            checkov,
            timeout=args.checkov_timeout,
            repeat=max(1, args.repeat),
        )
        for root in args.repos
        if root.is_dir()
    ]
    if args.json:
        print(json.dumps(as_json(runs), indent=2))
    else:
        print_text(runs)
    if args.sample:
        picked = sample(runs, args.sample, args.seed, args.per_rule)
        write_sample(picked, args.out, args.phase)
        print(f"{len(picked)} findings sampled into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
