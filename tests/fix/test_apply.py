"""Every fix is checked by auditing the fixed file: refused when its finding stays or another
appears; `--diff` writes nothing; files are written back byte for byte but for the fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.findings import Finding
from opsmith.fix.apply import plan_fixes
from opsmith.fix.edits import Edit, Fixer, Lines
from tests.fix.conftest import Run

DOCKERFILE = "FROM debian:12.8\nUSER app\nCMD python3 app.py\n"


def _with_fixer(root: Path, make: Fixer) -> list[str]:
    result = audit_tree(root)
    rule = result.rules["DF013"]
    result.rules["DF013"] = dataclasses.replace(rule, fixer=make)
    planned = plan_fixes(result, Config(), unsafe=False)
    assert [p.after for p in planned] == [DOCKERFILE]  # nothing kept
    return planned[0].refused


def test_a_fix_that_adds_a_finding_is_refused(tmp_path: Path) -> None:
    def drop_user(text: str, finding: Finding) -> list[Edit]:
        lines = Lines(text)
        return [Edit(lines.starts[1], lines.starts[2], ""), lines.replace(3, 'CMD ["python3", "app.py"]')]

    refused = _with_fixer(write_tree(tmp_path, {"Dockerfile": DOCKERFILE}), Fixer("t", True, drop_user))
    assert len(refused) == 1 and "it would add DF003" in refused[0]


def test_a_fix_that_leaves_its_finding_is_refused(tmp_path: Path) -> None:
    def comment(text: str, finding: Finding) -> list[Edit]:
        return [Lines(text).insert_before(3, ["# start"])]

    refused = _with_fixer(write_tree(tmp_path, {"Dockerfile": DOCKERFILE}), Fixer("t", True, comment))
    assert refused == ["DF013 at line 3: t not applied, the finding would remain"]


def test_diff_shows_the_fixes_and_writes_nothing(fix_run: Run) -> None:
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    compose = (
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n"
        f"      TOKEN: {token}\n    depends_on:\n      - db\n"
        "  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n"
    )
    outcome = fix_run({"compose.yaml": compose}, "--diff", "--select", "DC003")
    assert outcome.code == 1
    assert outcome.text("compose.yaml") == compose
    assert "+      db:\n+        condition: service_healthy\n" in outcome.stdout
    assert token not in outcome.stdout and "TOKEN" in outcome.stdout  # context lines are masked
    assert "1 fix(es) in 1 file(s)" in outcome.stderr
    fixed = fix_run({}, "--fix", "--select", "DC003")
    assert fixed.code == 0 and "condition: service_healthy" in fixed.text("compose.yaml")
    again = fix_run({}, "--diff", "--select", "DC003")
    assert (again.code, again.stdout) == (0, "")


def test_fix_reports_what_is_left_and_fails_on_it(fix_run: Run) -> None:
    outcome = fix_run({"Dockerfile": DOCKERFILE.replace("USER app\n", "")}, "--fix", "--fail-on", "warning")
    assert outcome.text("Dockerfile").endswith('CMD ["python3", "app.py"]\n')
    assert outcome.code == 1 and "DF003" in outcome.stdout and "DF013" not in outcome.stdout
    assert "fixed 1 finding(s) in 1 file(s)" in outcome.stderr


def test_a_byte_order_mark_is_kept_and_a_file_that_is_not_utf8_is_left_alone(fix_run: Run) -> None:
    files: dict[str, str | bytes] = {
        "a/Dockerfile": b"\xef\xbb\xbf" + DOCKERFILE.encode(),
        "b/Dockerfile": b"# caf\xe9\n" + DOCKERFILE.encode(),
    }
    outcome = fix_run(files, "--fix", "--select", "DF013")
    assert (outcome.root / "a/Dockerfile").read_bytes().endswith(b'app\nCMD ["python3", "app.py"]\n')
    assert (outcome.root / "a/Dockerfile").read_bytes().startswith(b"\xef\xbb\xbfFROM")
    assert (outcome.root / "b/Dockerfile").read_bytes() == files["b/Dockerfile"]
