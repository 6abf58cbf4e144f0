"""`opsmith init`: every phase in order, stopping at the gates unless `--yes` (which is logged)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from design.fixtures import REPOS
from helpers import audit_tree, files_under, plant_rule_bug
from opsmith.commands.init import APPROVAL_LOG, run_init
from opsmith.config import Config
from opsmith.design.approval import check_approved
from opsmith.findings import Severity

# DevOps files some example repositories already have: removed so the audit judges opsmith's output.
_THEIRS = ("Dockerfile", "docker-compose.yml", "compose.yaml", ".github", "k8s", "deploy", "monitoring")


def _copy(tmp_path: Path, name: str, strip: bool = True) -> Path:
    root = tmp_path / name
    shutil.copytree(REPOS / name, root)
    if strip:
        for path in list(root.rglob("*")):
            if path.exists() and path.name in _THEIRS:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    return root


def test_yes_approves_logs_generates_and_audits(tmp_path: Path) -> None:
    root = _copy(tmp_path, "python-flask")
    out = io.StringIO()
    code = run_init(str(root), users=500, cloud="aws", yes=True, interactive=False, out=out)
    text = out.getvalue()
    # everything is generated and clean, but the app exports no metrics yet: gate 3 holds init
    assert code == 1, text
    assert "GAP" in text and "close the monitoring gaps above" in text
    for step in ("1/5 design", "2/5 gate 1", "3/5 generate", "4/5 gate 2", "5/5 gate 3", "Next steps"):
        assert step in text
    status = check_approved(root)
    assert status.approved and status.approval is not None and "--yes" in status.approval.by
    assert "approved without review" in (root / APPROVAL_LOG).read_text()
    assert (root / "Dockerfile").is_file() and (root / "compose.yaml").is_file()
    assert "is not passed" not in text and "approved as is because of --yes" in text


def test_init_pins_base_images_by_digest(tmp_path: Path) -> None:
    root = _copy(tmp_path, "python-flask")
    digest = "sha256:" + "ab" * 32
    pins = tmp_path / "pins.txt"
    out = io.StringIO()
    assert run_init(str(root), users=500, cloud="aws", yes=True, interactive=False, out=out) == 1  # gate 3
    dockerfile = (root / "Dockerfile").read_text()
    image = next(
        line.split("=", 1)[1] for line in dockerfile.splitlines() if line.startswith("ARG BASE_IMAGE=")
    )
    pins.write_text(f"{image} {digest}\n")
    (root / "Dockerfile").unlink()
    assert run_init(str(root), yes=True, interactive=False, pin_digests=str(pins), out=out) == 1
    assert f"@{digest}" in (root / "Dockerfile").read_text()


def test_an_app_that_exports_metrics_passes_gate_3(tmp_path: Path) -> None:
    root = tmp_path / "bookshelf"
    shutil.copytree(Path(__file__).parents[2] / "examples" / "bookshelf", root)
    out = io.StringIO()
    code = run_init(str(root), users=500, cloud="aws", yes=True, interactive=False, out=out)
    assert code == 0, out.getvalue()
    assert "gate 3 passed" in out.getvalue() and (root / "monitoring" / "prometheus.yml").is_file()


def test_without_a_terminal_or_yes_it_stops_at_gate_1(tmp_path: Path) -> None:
    root = _copy(tmp_path, "go-gin")
    out = io.StringIO()
    assert run_init(str(root), users=500, interactive=False, out=out) == 3  # refused at a gate
    assert "stopped at gate 1" in out.getvalue()
    assert (root / "opsmith.yaml").is_file() and not (root / "compose.yaml").exists()


def test_a_person_can_say_no(tmp_path: Path) -> None:
    root = _copy(tmp_path, "go-gin")
    answers = iter(["", "", "aws", "n"])  # regions, compliance, cloud, then the approval
    out = io.StringIO()
    assert run_init(str(root), users=500, interactive=True, ask=lambda _: next(answers), out=out) == 3
    assert not check_approved(root).approved and not (root / "compose.yaml").exists()


def test_existing_user_files_are_kept_with_a_diff(tmp_path: Path) -> None:
    root = _copy(tmp_path, "node-express", strip=False)
    before = (root / "Dockerfile").read_text()
    out = io.StringIO()
    run_init(str(root), users=500, yes=True, interactive=False, out=out)
    assert (root / "Dockerfile").read_text() == before
    assert "kept your Dockerfile" in out.getvalue()


TIERS = {
    "hobby-aws": {"users": 500, "cloud": "aws"},
    "hobby-fly": {"users": 500, "cloud": "fly"},
    "startup-gcp": {"users": 5000, "cloud": "gcp"},
    "startup-azure": {"users": 5000, "cloud": "azure"},
    "growth-aws": {"users": 200_000, "cloud": "aws"},
    "enterprise-gcp": {"users": 2_000_000, "cloud": "gcp"},
    "compliance-azure": {"users": 50_000, "compliance": "hipaa", "cloud": "azure"},
}


@pytest.mark.parametrize("needs", TIERS.values(), ids=TIERS.keys())
@pytest.mark.parametrize("name", sorted(p.name for p in REPOS.iterdir() if p.name != "unknown"))
def test_init_then_audit_is_clean(tmp_path: Path, name: str, needs: dict[str, object]) -> None:
    root = _copy(tmp_path, name)
    out = io.StringIO()
    code = run_init(str(root), yes=True, interactive=False, out=out, **needs)  # type: ignore[arg-type]
    assert code in (0, 1), out.getvalue()
    if not check_approved(root).approved:
        pytest.skip(f"{name} needs input before approval: {out.getvalue().splitlines()[-1]}")
    result = audit_tree(root, Config())
    serious = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity >= Severity.WARNING]
    assert serious == [], out.getvalue()


def test_an_opsmith_folder_leading_out_stops_init_before_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path, "go-gin")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".opsmith").symlink_to(outside)
    before = files_under(root)
    assert run_init(str(root), users=500, yes=True, interactive=False, out=io.StringIO()) == 2
    assert "resolves outside the repository" in capsys.readouterr().err
    assert files_under(root) == before and list(outside.iterdir()) == []


def test_a_rule_that_crashes_at_gate_2_fails_init_with_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_rule_bug(monkeypatch)
    root = _copy(tmp_path, "go-gin")
    out = io.StringIO()
    assert run_init(str(root), users=500, yes=True, interactive=False, out=out) == 70
    assert "internal error in DF003 on Dockerfile" in out.getvalue()  # the audit's note
    assert "while processing Dockerfile (rule DF003)" in capsys.readouterr().err
