"""`opsmith init` on a repository that already has a design: inputs that change it are shown and
asked about (refused without a terminal unless --force), a --yes approval over the change is
logged as a bypass, and a value that fills what the design lacked is taken without --force."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from design.fixtures import REPOS
from helpers import write_tree
from opsmith.cli import main
from opsmith.commands.init import APPROVAL_LOG, run_init
from opsmith.design.approval import check_approved
from opsmith.design.render_yaml import DESIGN_FILE, load

# Fly.io keeps these runs to the design, workflow and container files (no Terraform).
HOBBY = {"users": 500, "cloud": "fly"}


def _init(root: Path, **options: object) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # run_approve prints its notice to stdout
        code = run_init(str(root), out=out, **options)  # type: ignore[arg-type]
    return code, out.getvalue()


def _design_text(root: Path) -> str:
    return (root / DESIGN_FILE).read_text(encoding="utf-8")


@pytest.fixture
def approved(tmp_path: Path) -> Path:
    """go-gin, designed for 500 users on Fly.io and approved by `init --yes`."""
    root = tmp_path / "go-gin"
    shutil.copytree(REPOS / "go-gin", root)
    code, text = _init(root, **HOBBY, yes=True, interactive=False)
    assert code in (0, 1) and check_approved(root).approved, text
    return root


def test_new_inputs_without_a_terminal_are_refused_with_the_difference(approved: Path) -> None:
    before = _design_text(approved)
    code, text = _init(approved, users=5000, interactive=False)
    assert code == 3, text
    assert "-  users: 500\n" in text and "+  users: 5000\n" in text
    assert text.rstrip().splitlines()[-1].startswith("opsmith: opsmith.yaml exists and differs")
    assert "--force" in text.rstrip().splitlines()[-1] and "3/5 generate" not in text
    assert _design_text(approved) == before and check_approved(approved).approved


def test_force_replaces_the_design_and_yes_logs_approving_the_change_unreviewed(approved: Path) -> None:
    earlier = check_approved(approved).approval
    assert earlier is not None
    code, text = _init(approved, users=5000, force=True, yes=True, interactive=False)
    assert code in (0, 1), text
    design = load(_design_text(approved))
    assert design.inputs.users == 5000 and design.tier.effective == "startup"
    assert check_approved(approved).approved
    last = (approved / APPROVAL_LOG).read_text().splitlines()[-1]
    assert "approved without review" in last
    assert f"over a changed design (approved before as sha256 {earlier.sha256}" in last


def test_the_command_line_refuses_a_change_then_takes_it_with_force(approved: Path) -> None:
    assert main(["init", str(approved), "--users", "5000"]) == 3  # no terminal under pytest
    assert load(_design_text(approved)).inputs.users == 500
    assert main(["init", str(approved), "--users", "5000", "--force", "--yes"]) in (0, 1)
    assert load(_design_text(approved)).inputs.users == 5000
    assert "over a changed design" in (approved / APPROVAL_LOG).read_text().splitlines()[-1]


def test_in_a_terminal_a_person_confirms_the_change_then_approves_it(approved: Path) -> None:
    replies = iter(["y", "y"])  # replace the design, then approve it
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    code, text = _init(approved, users=5000, interactive=True, ask=ask)
    assert code in (0, 1), text
    assert "+  users: 5000\n" in text and prompts[0].startswith("? Replace opsmith.yaml")
    status = check_approved(approved)
    assert status.approved and status.approval is not None and "--yes" not in status.approval.by
    assert "over a changed design" not in (approved / APPROVAL_LOG).read_text()


def test_in_a_terminal_saying_no_keeps_the_design(approved: Path) -> None:
    before = _design_text(approved)
    code, text = _init(approved, users=5000, interactive=True, ask=lambda _: "n")
    assert code == 3, text
    assert _design_text(approved) == before and check_approved(approved).approved


def test_the_same_inputs_keep_the_design_and_its_approval(approved: Path) -> None:
    before = _design_text(approved)
    code, text = _init(approved, **HOBBY, interactive=False)
    assert code in (0, 1), text
    assert "is up to date" in text and _design_text(approved) == before
    assert check_approved(approved).approved


def test_a_hand_edit_is_kept_when_no_input_changes(approved: Path) -> None:
    edited = _design_text(approved).replace("replicas_max: 1", "replicas_max: 2", 1)
    assert edited != _design_text(approved)
    (approved / DESIGN_FILE).write_text(edited, encoding="utf-8")
    code, text = _init(approved, interactive=False)
    assert code == 3 and "using the existing opsmith.yaml" in text and "stopped at gate 1" in text
    assert _design_text(approved) == edited


def test_a_port_supplied_later_in_the_configuration_fills_the_design_without_force(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "portless",
        {
            "package.json": '{"name": "portless", "version": "1.0.0", "scripts": {"start": "node server.js"},'
            ' "dependencies": {"express": "4.21.2"}}\n',
            "server.js": 'const app = require("express")();\napp.listen(process.env.LISTEN_ON);\n',
        },
    )
    code, text = _init(root, **HOBBY, yes=True, interactive=False)
    assert code != 0 and "services[portless].port" in text and not check_approved(root).approved
    (root / ".opsmith.toml").write_text('[design.services.portless]\nport = 8080\nhealth = "/"\n')
    code, text = _init(root, yes=True, interactive=False)
    assert code in (0, 1), text
    assert "filling what opsmith.yaml lacked: services[portless].port, services[portless].health_path" in text
    service = load(_design_text(root)).services[0]
    assert (service.port, service.health_path) == (8080, "/") and check_approved(root).approved
    assert "over a changed design" in (root / APPROVAL_LOG).read_text().splitlines()[-1]
