"""`opsmith analyze`, `opsmith design`, `opsmith approve` through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fs_limits import files_limited_to, read_only
from helpers import files_under
from opsmith.cli import main
from opsmith.commands.design import parse_users, run_design
from opsmith.design.approval import check_approved

REPOS = Path(__file__).parent.parent / "analysis" / "repos"


def _repo(tmp_path: Path, name: str = "node-express") -> Path:
    target = tmp_path / name
    shutil.copytree(REPOS / name, target)
    return target


def test_analyze_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(REPOS / "go-gin"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    [service] = data["services"]
    assert service["port"]["value"] == 8080
    assert service["port"]["evidence"] == [{"path": "cmd/api/main.go", "line": 13, "text": 'port = "8080"'}]


def test_analyze_text_states_what_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(REPOS / "unknown")]) == 0
    out = capsys.readouterr().out
    assert "could not be determined:" in out and "[design.services.NAME]" in out


def test_analyze_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "/no/such/folder"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_design_without_users_outside_a_terminal_is_one_line_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert run_design(str(root), interactive=False) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--users" in err
    assert not (root / "opsmith.yaml").exists()


def test_design_asks_in_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path)
    answers = iter(["lots", "250k", "", "hipaa", "gcp"])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    assert run_design(str(root), interactive=True, ask=ask) == 0
    assert len(asked) == 5 and "[--users]" in asked[0] and "[--users]" in asked[1]
    assert "not a number of users" in capsys.readouterr().err
    text = (root / "opsmith.yaml").read_text()
    assert "users: 250000" in text and "compliance: hipaa" in text and "cloud: gcp" in text


def test_an_empty_answer_takes_the_shown_default_users(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return ""

    assert run_design(str(root), interactive=True, ask=ask) == 0
    assert "(1000)" in asked[0] and len(asked) == 4  # one question each, no retries
    assert "users: 1000" in (root / "opsmith.yaml").read_text()


def test_design_of_a_folder_without_services_says_so_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, "unknown")
    assert run_design(str(root), users=100, interactive=False) == 1
    err = capsys.readouterr().err
    assert "nothing to deploy" in err and "[design.services.NAME]" in err  # and how to declare one
    assert not (root / "opsmith.yaml").exists() and not (root / "docs").exists()


def test_design_writes_files_and_never_overwrites_an_edited_design(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert main(["design", str(root), "--users", "5k", "--cloud", "aws"]) == 0
    design_file = root / "opsmith.yaml"
    assert (root / "docs/infrastructure.md").is_file() and (root / "docs/infrastructure.svg").is_file()
    original = design_file.read_text()
    assert "users: 5000" in original
    capsys.readouterr()

    # the same answers again: nothing to do, comments kept
    design_file.write_text("# my note\n" + original)
    assert main(["design", str(root)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert design_file.read_text().startswith("# my note\n")

    # an edit the new design would undo: a diff, and nothing written without --force
    edited = original.replace("  port: 3000", "  port: 3001")
    design_file.write_text(edited)
    assert main(["design", str(root), "--users", "5000"]) == 3  # refused: it would replace an edit
    out = capsys.readouterr().out
    assert "-  port: 3001\n+  port: 3000" in out and "--force" in out
    assert design_file.read_text() == edited
    assert main(["design", str(root), "--force"]) == 0
    assert "  port: 3000" in design_file.read_text()


def test_force_keeps_overrides(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert run_design(str(root), users=5_000, cloud="aws", interactive=False) == 0
    design_file = root / "opsmith.yaml"
    text = design_file.read_text().replace(
        "registry:\n  value: ecr\n",
        "registry:\n  value: ecr\n  override:\n    value: ghcr\n    reason: public images\n",
    )
    design_file.write_text(text)
    assert run_design(str(root), users=200_000, force=True, interactive=False) == 0
    new = design_file.read_text()
    assert "tier:\n  value: growth" in new and "    value: ghcr\n    reason: public images" in new


def test_design_rejects_a_paas_for_growth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path)
    assert main(["design", str(root), "--users", "200000", "--cloud", "fly"]) == 2
    assert "--cloud fly does not fit the growth tier" in capsys.readouterr().err


def test_design_reads_boundaries_from_config(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".opsmith.toml").write_text('[design]\nstartup-from = 10\nname = "orders"\n')
    assert run_design(str(root), users=50, interactive=False) == 0
    text = (root / "opsmith.yaml").read_text()
    assert "app: orders" in text and "rule: table:startup (10 <= users < 100,000)" in text


def test_design_then_approve_then_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path)
    assert main(["design", str(root), "--users", "500"]) == 0
    assert not check_approved(root).approved
    assert main(["approve", str(root), "--by", "Jane <jane@example.com>"]) == 0
    assert "approved opsmith.yaml as Jane <jane@example.com>" in capsys.readouterr().out
    assert check_approved(root).approved
    design_file = root / "opsmith.yaml"
    design_file.write_text(design_file.read_text().replace("users: 500", "users: 50"))
    status = check_approved(root)
    assert status.state == "changed" and "opsmith approve" in status.message


def test_approve_uses_git_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = _repo(tmp_path)
    assert run_design(str(root), users=500, interactive=False) == 0
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", "Ada"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "ada@example.com"], check=True)
    assert main(["approve", str(root)]) == 0
    assert check_approved(root).approval.by == "Ada <ada@example.com>"  # type: ignore[union-attr]


def test_approve_refuses_a_design_that_needs_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, "node-express")
    (root / ".opsmith.toml").write_text('[design.services.worker]\nkind = "worker"\n')
    assert main(["design", str(root), "--users", "10"]) == 0
    assert "needs your input" in capsys.readouterr().out
    assert main(["approve", str(root), "--by", "Jane"]) == 3  # gate 1 cannot be passed yet
    assert "cannot be approved yet" in capsys.readouterr().err


def test_approve_without_a_design(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["approve", str(tmp_path), "--by", "Jane"]) == 2  # nothing to approve: a usage error
    assert "run `opsmith design` first" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "users"), [("5000", 5000), ("5,000", 5000), ("100k", 100_000), ("1.5m", 1_500_000)]
)
def test_parse_users(text: str, users: int) -> None:
    assert parse_users(text) == users


@pytest.mark.parametrize("text", ["", "many", "0", "-5", "1.5"])
def test_parse_users_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_users(text)


def test_audit_does_not_import_design_or_analysis(tmp_path: Path) -> None:
    code = (
        "import sys; from opsmith.cli import main; main(['audit', sys.argv[1]]);"
        "mine = ('opsmith.design', 'opsmith.analysis', 'pydantic');"
        "loaded = [m for m in sys.modules if m.startswith(mine)];"
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_design_refuses_a_docs_symlink_out_before_writing_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "docs").symlink_to(outside)
    before = files_under(root)
    assert main(["design", str(root), "--users", "500"]) == 2
    err = capsys.readouterr().err.strip()
    assert "refusing to write 'docs/infrastructure.md': it resolves outside the repository" in err
    assert "\n" not in err
    assert files_under(root) == before and list(outside.iterdir()) == []


def test_design_in_a_read_only_repository_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    before = files_under(root)
    with read_only(root):
        assert main(["design", str(root), "--users", "500"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith(f"opsmith: error: cannot write {root.resolve() / 'opsmith.yaml'}: ")
        and "\n" not in err
    )
    assert files_under(root) == before


def test_design_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    before = files_under(root)
    done = subprocess.run(
        [sys.executable, "-m", "opsmith", "design", str(root), "--users", "500"],
        capture_output=True,
        text=True,
        preexec_fn=files_limited_to(2048),
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"opsmith: error: cannot write {root.resolve() / 'opsmith.yaml'}: File too large\n"
    assert files_under(root) == before  # no opsmith.yaml, no half file, no temporary file


def test_approve_refuses_a_design_file_that_leads_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert run_design(str(root), users=500, interactive=False) == 0
    outside = tmp_path / "outside.yaml"
    (root / "opsmith.yaml").rename(outside)
    (root / "opsmith.yaml").symlink_to(outside)
    text = outside.read_text()
    assert main(["approve", str(root), "--by", "Jane"]) == 2
    assert "resolves outside the repository" in capsys.readouterr().err
    assert outside.read_text() == text
