from __future__ import annotations

from opsmith.audit.engine import AuditResult
from opsmith.findings import Finding, Severity
from opsmith.report.text import render_text


def _result(*severities: Severity, files: int) -> AuditResult:
    findings = [Finding("a.yml", n + 1, None, "GA001", s, "m", None) for n, s in enumerate(severities)]
    return AuditResult(findings=findings, files=files)


def test_the_summary_counts_in_words() -> None:
    one = render_text(_result(Severity.ERROR, files=1)).rstrip()
    assert one.endswith("1 finding (1 error, 0 warnings, 0 info) in 1 file audited.")
    many = render_text(_result(Severity.INFO, Severity.INFO, Severity.WARNING, files=2)).rstrip()
    assert many.endswith("3 findings (0 errors, 1 warning, 2 info) in 2 files audited.")
    assert render_text(_result(files=0)).rstrip().endswith("No findings. 0 files audited.")


def test_notes_are_masked_and_escaped() -> None:
    token = "ghp_" + "Zx81kQm2Lr7Tw4Vb9Np3Hs6Dj0Fc5Ga1Ye8K"
    result = AuditResult(files=1, notes=[f"internal error in XX001 on \x1b[31ma.yml: ValueError('{token}')"])
    text = render_text(result)
    assert token not in text and "ghp_****…(40 chars)" in text
    assert "\x1b" not in text and "\\x1b[31ma.yml" in text
