"""`opsmith explain` says whether a rule has an automatic fix and whether it is safe."""

from __future__ import annotations

from opsmith.commands.explain import explanation


def test_explain_names_the_automatic_fix_and_its_safety() -> None:
    assert "automatic fix: safe, applied by `opsmith audit --fix`" in explanation("DF013")
    assert "automatic fix: unsafe, applied only with `--fix --unsafe-fixes`" in explanation("PM002")
    assert "automatic fix: none\n" in explanation("DF001")
