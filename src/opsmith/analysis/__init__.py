"""Repository analysis: `analyze(root) -> RepoFacts`, every fact with its evidence."""

from __future__ import annotations

from opsmith.analysis.analyze import analyze
from opsmith.analysis.facts import RepoFacts, ServiceFacts

__all__ = ["RepoFacts", "ServiceFacts", "analyze"]
