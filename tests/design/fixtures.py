"""Designs built from the example repositories of tests/analysis, shared by the design tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from opsmith.analysis import analyze
from opsmith.analysis.facts import RepoFacts
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Design

REPOS = Path(__file__).parent.parent / "analysis" / "repos"
NAMES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())


@cache
def facts(name: str) -> RepoFacts:
    return analyze(REPOS / name)


def design(name: str = "monorepo", **needs: object) -> Design:
    return decide(facts(name), Needs(**{"users": 5000, **needs}))  # type: ignore[arg-type]
