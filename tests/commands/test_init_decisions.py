"""Every decision of the design is built by what `opsmith init` generates, at every tier on every
cloud: each has an implementing file (or a documented manual step) in .opsmith/generated.json,
and no generated file contradicts it."""

from __future__ import annotations

import shutil
from pathlib import Path

from design.fixtures import REPOS
from helpers import init_generated
from opsmith.design.docs import DOCS_FILE
from opsmith.design.render_yaml import DESIGN_FILE, load
from opsmith.generate.apply import load_decisions, load_manifest
from opsmith.generate.decisions import IDS, problems

# a web service and a worker with a database and a cache: every decision has something to decide
REPOSITORY = "node-express"
_THEIRS = ("Dockerfile", "docker-compose.yml", "compose.yaml", ".github", "k8s", "deploy", "monitoring")
TIERS: dict[str, dict[str, object]] = {
    "hobby": {"users": 500},
    "startup": {"users": 5_000},
    "growth": {"users": 200_000},
    "enterprise": {"users": 2_000_000},
    "compliance": {"users": 5_000, "compliance": "hipaa"},
}
CLOUDS = ("aws", "gcp", "azure")


def _repository(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(REPOS / REPOSITORY, root)
    for path in list(root.rglob("*")):
        if path.exists() and path.name in _THEIRS:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return root


def _decision_problems(root: Path) -> list[str]:
    design = load((root / DESIGN_FILE).read_text(encoding="utf-8"), DESIGN_FILE)
    recorded = load_decisions(root)
    files = {
        rel: (root / rel).read_text(encoding="utf-8") for rel in load_manifest(root) if (root / rel).is_file()
    }
    files[DOCS_FILE] = (root / DOCS_FILE).read_text(encoding="utf-8")  # where the design says what is manual
    unrecorded = sorted(IDS - set(recorded))
    return [f"{d}: missing from generated.json" for d in unrecorded] + problems(design, files, recorded)


def test_every_decision_is_implemented_at_every_tier_on_every_cloud(tmp_path: Path) -> None:
    report: list[str] = []
    for tier, needs in TIERS.items():
        for cloud in CLOUDS:
            root = _repository(tmp_path, f"{tier}-{cloud}")
            try:
                init_generated(root, **needs, cloud=cloud)
            except Exception as exc:  # one broken combination must not hide the others' report
                report.append(f"{tier} x {cloud}: init failed: {type(exc).__name__}: {str(exc)[-600:]}")
                continue
            found = _decision_problems(root)
            if found:
                report.append(f"{tier} x {cloud}:\n" + "\n".join(f"  {line}" for line in found))
    assert not report, "\n".join(report)
