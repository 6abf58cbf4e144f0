"""bench/realworld.py: counting a real audit's files per family, seeded sampling, precision."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.bench.bench_script import load
from tests.helpers import write_tree

realworld = load("realworld")


def _finding(rule: str, path: str, line: int, severity: str = "warning") -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "path": path, "line": line}


def _run(label: str, findings: list[dict[str, Any]], family: dict[str, int] | None = None) -> Any:
    timing = realworld.Timing(0.1, 0.1)
    return realworld.RepoRun(label, "c0ffee", timing, 3, findings, {"production": 3}, family or {})


def test_measure_counts_each_family_once_and_reads_findings(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "shop",
        {
            "Dockerfile": "FROM python:latest\nCOPY . .\nCMD python app.py\n",
            "compose.yaml": "services:\n  web:\n    build: .\n    image: shop:latest\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: make test\n",
            "app.py": "print('hi')\n",
        },
    )
    run = realworld.measure(root, [sys.executable, "-m", "opsmith"], "abc123", None, timeout=60, repeat=2)
    # the compose run also parses the Dockerfile it builds: counted under DF only
    assert (run.family_files["DF"], run.family_files["DC"], run.family_files["GA"]) == (1, 1, 1)
    assert run.family_files["KU"] == 0
    assert run.classification["production"] == run.files == 3
    assert "DF001" in {f["rule"] for f in run.judged()}
    assert run.time.wall > 0 and run.time.cpu > 0
    assert run.checkov is None


def test_median_takes_wall_and_cpu_times_each_on_its_own() -> None:
    timings = [realworld.Timing(3.0, 0.5), realworld.Timing(1.0, 0.9), realworld.Timing(2.0, 0.1)]
    assert realworld.median(timings) == realworld.Timing(2.0, 0.5)


def test_sample_takes_at_most_per_rule_of_each_rule_and_repeats_with_the_seed() -> None:
    many = [_finding("DF001", f"svc{i}/Dockerfile", 1) for i in range(10)]
    runs = [
        _run("a", [*many, _finding("KU013", "k.yaml", 4), _finding("DF004", "x/Dockerfile", 1, "info")]),
        _run("b", [_finding("DF001", "Dockerfile", 2, "error")]),
    ]
    picked = realworld.sample(runs, 100, seed=7, per_rule=3)
    rules = [(run.label, f["rule"]) for run, f in picked]
    assert rules.count(("a", "DF001")) == 3
    assert rules.count(("a", "KU013")) == 1
    assert ("b", "DF001") in rules
    assert all(f["severity"] != "info" for _, f in picked)
    again = realworld.sample(runs, 100, seed=7, per_rule=3)
    assert [f["path"] for _, f in again] == [f["path"] for _, f in picked]
    assert len(realworld.sample(runs, 2, seed=7, per_rule=3)) == 2


def test_sample_counts_one_finding_per_path_line_and_rule() -> None:
    twice = [_finding("KU004", "base/app.yaml", 9), _finding("KU004", "base/app.yaml", 9)]
    picked = realworld.sample([_run("a", twice)], 10, seed=1, per_rule=3)
    assert len(picked) == 1


def test_write_sample_appends_rows_under_one_header(tmp_path: Path) -> None:
    out = tmp_path / "judged.csv"
    run = _run("owner+repo", [_finding("DF003", "Dockerfile", 5, "error")])
    realworld.write_sample([(run, run.findings[0])], out, "before")
    realworld.write_sample([(run, run.findings[0])], out, "after")
    with out.open(newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == list(realworld.COLUMNS)
    assert rows[1] == ["owner+repo@c0ffee", "Dockerfile:5", "DF003", "error", "", "", "before"]
    assert rows[2][-1] == "after"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("k8s/deploy.yaml", True),
        ("Dockerfile", True),
        ("tests/e2e/kind/cni.yaml", False),
        ("model/rulefmt/testdata/x.yaml", False),
        ("documentation/examples/prometheus.yml", False),
        ("src/latest_tests.yaml", True),  # a file name alone does not make a test folder
    ],
)
def test_production_paths(path: str, expected: bool) -> None:
    assert realworld.production(path) is expected


def test_precision_per_phase_on_all_and_production_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "judgments.csv"
    rows = [
        ("app/Dockerfile:1", "DF003", "true", "before"),
        ("app/Dockerfile:4", "DF013", "true", "before"),
        ("tests/fixture.yaml:2", "KU013", "false", "before"),
        ("k8s/app.yaml:3", "KU013", "false", "before"),
        ("k8s/app.yaml:9", "KU004", "debatable", "before"),
        ("k8s/app.yaml:3", "KU001", "true", "after"),
        ("k8s/app.yaml:5", "KU002", "", "after"),  # not judged yet: left out
    ]
    with table.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(realworld.COLUMNS)
        for where, rule, verdict, phase in rows:
            writer.writerow(["r@c", where, rule, "warning", verdict, "why", phase])
    realworld.print_precision(table)
    out = capsys.readouterr().out
    before, after = out.split("== after")
    assert "5 judged findings" in before
    assert "all paths                          precision  50.0% (true 2, false 2, debatable 1" in before
    assert "production paths                   precision  66.7% (true 2, false 1" in before
    assert "KU013" in before and "DF003" not in before  # only rules with false alarms are listed
    assert "1 judged findings" in after and "precision 100.0%" in after


def test_rule_rows_share_of_family_files_across_repositories() -> None:
    runs = [
        _run("a", [_finding("KU013", "a.yaml", 1), _finding("KU013", "a.yaml", 9)], {"KU": 2}),
        _run("b", [_finding("KU013", "a.yaml", 1), _finding("RP003", ".env", 1)], {"KU": 2}),
    ]
    rows = realworld.rule_rows(runs)
    # the same path in two repositories is two files
    assert rows["KU013"] == (3, 2, 4)
    assert rows["RP003"] == (1, 1, 0)


def test_timed_ends_a_command_that_outlives_its_timeout_with_its_children() -> None:
    # the child starts a grandchild that would keep the pipe open if only the child were ended
    script = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "time.sleep(60)\n"
    )
    start = time.perf_counter()
    out, _, code, timing = realworld.timed([sys.executable, "-c", script], timeout=1)
    assert code is None and out == ""
    assert time.perf_counter() - start < 20
    assert timing.wall >= 1


def test_timed_reports_output_and_exit_code() -> None:
    script = "import sys; print('ok'); sys.exit('bad')"
    out, err, code, _ = realworld.timed([sys.executable, "-c", script])
    assert (out, err, code) == ("ok\n", "bad\n", 1)
