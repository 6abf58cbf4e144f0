"""Hostile input never crashes or stalls an audit: a short, reproducible fuzz of every family.

bench/fuzz.py runs the same generators (tests/fuzz_inputs.py) over 10,000+ inputs per family and
holds each file to its real time budget; here the examples are few and fixed (derandomized), and
the time check is loose enough for a busy CI machine, so it fails on a blow-up, not on load.
"""

from __future__ import annotations

from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz_inputs import BY_NAME, TARGETS, FuzzTarget, fuzz_input
from fuzz_run import crash_in_notes, minimise, prepare, run_input
from opsmith.audit.engine import Target, audit
from opsmith.config import Config

SLACK = 10  # times the budget (0.5 s plus 2 s per MB) an example may take here
TIME_LIMIT = 30.0  # CPU seconds before an example counts as a hang
# kustomize starts kubectl for every example
_EXAMPLES = {"kustomize": 6}
_DEFAULT_EXAMPLES = 30


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_no_input_crashes_or_runs_long(target: FuzzTarget, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp(target.name)
    prepare(target, root)

    @settings(
        max_examples=_EXAMPLES.get(target.name, _DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        # Hypothesis's shrinker can spend minutes on a slow audit; `minimise` below is bounded.
        phases=(Phase.explicit, Phase.generate),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.randoms(use_true_random=False))
    def check(rng: Random) -> None:
        data = fuzz_input(target, rng)
        outcome = run_input(target, data, root, TIME_LIMIT)
        if outcome.crash is not None and outcome.crash != "hang":
            data = minimise(data, lambda d: run_input(target, d, root, TIME_LIMIT).crash == outcome.crash)
        shown = f"{target.path}: {data[:300]!r}{'...' if len(data) > 300 else ''}"
        assert outcome.crash is None, f"{outcome.crash} on {shown}\n{outcome.detail}"
        assert outcome.seconds < SLACK * outcome.budget, f"{outcome.seconds:.1f} s CPU on {shown}"

    check()


def test_an_input_past_the_time_limit_is_a_hang(tmp_path_factory: pytest.TempPathFactory) -> None:
    target = BY_NAME["prometheus-config"]
    root = tmp_path_factory.mktemp("judge")
    prepare(target, root)
    clean = run_input(target, b"global:\n  scrape_interval: 15s\nscrape_configs: []\n", root, TIME_LIMIT)
    assert clean.crash is None
    assert clean.seconds > 0
    assert run_input(target, b"scrape_configs: []\n" * 20_000, root, 0.001).crash == "hang"


def test_a_rule_crash_caught_by_the_engine_still_counts() -> None:
    note = "internal error in DC007 on compose.yaml: OverflowError('int too large')"
    expected = ("OverflowError in DC007 on compose.yaml", note)
    assert crash_in_notes(["a.yml: skipped, binary content", note]) == expected
    assert crash_in_notes(["a.yml: skipped, binary content"]) is None


# Found by fuzzing: each input below crashed an audit or took far more than its budget.


def test_thousands_of_findings_in_one_file_read_it_once(tmp_path: Path) -> None:
    """The engine read and split a file again for each repository-wide finding in it."""
    target = BY_NAME["repository"]
    prepare(target, tmp_path)
    rng = Random(3)
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789"
    tokens = ("".join(rng.choice(alphabet) for _ in range(28)) for _ in range(20_000))
    data = "".join(f"API_TOKEN_{i}={token}\n" for i, token in enumerate(tokens)).encode()
    outcome = run_input(target, data, tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget
    findings = audit(Target(tmp_path), Config(select=("RP003",))).findings
    assert [f.line for f in findings if f.path == ".env"] == list(range(1, 20_001))


def test_an_unclosed_bracket_in_a_rails_migration_is_read_in_linear_time(tmp_path: Path) -> None:
    """Each line joined to an unfinished statement rescanned the whole statement."""
    target = BY_NAME["rails"]
    prepare(target, tmp_path)
    head = 'class A < ActiveRecord::Migration[7.1]\n  def change\n    add_column :t, :c, default: -> { "(\n'
    data = (head + "    add_column :t, :x, :text\n" * 20_000 + "  end\nend\n").encode()
    outcome = run_input(target, data, tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget


@pytest.mark.parametrize(
    "data",
    [
        b"\\\n",
        b"FROM alpine:3.20.3\nHEALTHCHECK a\xc2\xa0\xc3\xa9\n",
        b"HEALTHCHECK \xef\xbf\xbd\xc2\x85\xef\xbf\xbd",
    ],
    ids=["lone-continuation", "no-break-space", "next-line"],
)
def test_dockerfiles_the_buildkit_wrapper_misreads_are_parse_errors(tmp_path: Path, data: bytes) -> None:
    """A lone `\\` came back as an instruction without a name; HEALTHCHECK arguments holding
    U+00A0 or U+0085 came back as undecodable bytes."""
    target = BY_NAME["dockerfile"]
    prepare(target, tmp_path)
    assert run_input(target, data, tmp_path, TIME_LIMIT).crash is None
    assert [f.rule for f in audit(Target(tmp_path), Config(select=("DF018",))).findings] == ["DF018"]


def test_thousands_of_nested_blocks_in_a_rails_migration_are_a_parse_error(tmp_path: Path) -> None:
    """Each statement looked through every open block: time in the square of the depth."""
    target = BY_NAME["rails"]
    prepare(target, tmp_path)
    data = ("class A < ActiveRecord::Migration[7.1]\n  def up\n" + "x do\n" * 8000 + "end\n" * 8000).encode()
    outcome = run_input(target, data, tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget
    assert [f.line for f in audit(Target(tmp_path), Config(select=("MG010",))).findings] == [202]


def test_blank_lines_in_a_python_migration_are_read_in_linear_time(tmp_path: Path) -> None:
    """`^\\s*` under MULTILINE, looking for `from alembic`, retried a run of blank lines from each."""
    target = BY_NAME["alembic"]
    prepare(target, tmp_path)
    outcome = run_input(target, b"x = 1\n" + b"\n" * 200_000 + b"y = 2\n", tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget


def test_a_django_migration_too_deep_for_pythons_parser_is_a_parse_error(tmp_path: Path) -> None:
    """CPython's parser raised MemoryError on a few hundred unclosed calls."""
    target = BY_NAME["django"]
    prepare(target, tmp_path)
    data = (
        "from django.db import migrations\nops = [\n" + "    AddField(\n        name='x',\n" * 200
    ).encode()
    assert run_input(target, data, tmp_path, TIME_LIMIT).crash is None
    assert [f.rule for f in audit(Target(tmp_path), Config(select=("MG010",))).findings] == ["MG010"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "alertmanager",
            b"route: {receiver: hook}\nreceivers:\n  - name: hook\n    webhook_configs: [{url: 'http://[::1'}]\n",
        ),
        (
            "prometheus-rules",
            b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
            b"        annotations: {runbook_url: 'https://[x/runbook'}\n",
        ),
    ],
)
def test_a_url_with_an_unclosed_bracket_is_no_crash(tmp_path: Path, name: str, data: bytes) -> None:
    """urlsplit raises ValueError on an unclosed `[` (an IPv6 host); PM011 and PM009 let it out."""
    target = BY_NAME[name]
    prepare(target, tmp_path)
    assert run_input(target, data, tmp_path, TIME_LIMIT).crash is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("dockerfile", b"FROM alpine:3.20.3\nCOPY " + b"x" * 300 + b" /app/\n"),
        (
            "prometheus-rules",
            b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
            b"        annotations: {runbook_url: docs/" + b"r" * 300 + b".md}\n",
        ),
    ],
)
def test_a_path_too_long_for_the_file_system_is_no_crash(tmp_path: Path, name: str, data: bytes) -> None:
    """Path.is_file and Path.exists raise OSError (ENAMETOOLONG) on a name over 255 bytes."""
    target = BY_NAME[name]
    prepare(target, tmp_path)
    assert run_input(target, data, tmp_path, TIME_LIMIT).crash is None


def test_inputs_replay_from_their_seed() -> None:
    for target in TARGETS:
        assert fuzz_input(target, Random(7)) == fuzz_input(target, Random(7))


def test_a_workflow_matrix_of_nested_aliases_is_checked_against_the_schema_in_time(tmp_path: Path) -> None:
    """GA001's schema check walked every path through the aliases (about 60,000 nodes from 500
    bytes), for each `oneOf` branch: 13 s."""
    target = BY_NAME["workflow"]
    prepare(target, tmp_path)
    levels = "".join(f"        l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}]\n" for i in range(1, 10))
    data = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minute: 5\n    strategy:\n"
        "      matrix:\n        l0: &l0 [x, null, {a: [1]}]\n" + levels + "    steps: [{run: echo}]\n"
    ).encode()
    outcome = run_input(target, data, tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget
    messages = [f.message for f in audit(Target(tmp_path), Config(select=("GA001",))).findings]
    assert "unknown key `timeout-minute` in `jobs.test`" in messages
    assert any("has an invalid value `null`" in m for m in messages)


def test_thousands_of_copies_and_workdirs_in_one_stage_are_read_in_linear_time(tmp_path: Path) -> None:
    """DF016 walked the stage's instructions again for every COPY to find its WORKDIR."""
    target = BY_NAME["dockerfile"]
    prepare(target, tmp_path)
    (tmp_path / "id_rsa").write_text("key\n")
    data = ("FROM alpine:3.20.3\n" + "WORKDIR app\nCOPY id_rsa ./\n" * 4000 + "USER 1000\n").encode()
    outcome = run_input(target, data, tmp_path, TIME_LIMIT)
    assert outcome.crash is None
    assert outcome.seconds < SLACK * outcome.budget
    findings = audit(Target(tmp_path), Config(select=("DF016",))).findings
    assert [f.line for f in findings] == list(range(3, 8002, 2))
