"""Gate 3 as text: a table of services by checks, then each gap with its file and fix.

Every value that comes from the repository (service names, paths, the gaps that quote them) is
printed through `shown`: secrets masked, control characters escaped.
"""

from __future__ import annotations

from opsmith.monitoring.coverage import CHECKS, Coverage
from opsmith.report.safe_text import shown


def to_text(coverage: Coverage) -> str:
    lines: list[str] = []
    origin = "the design" if coverage.source == "design" else "the repository's deployment files"
    lines.append(f"gate 3 (monitoring coverage): services from {origin}")
    if not coverage.services:
        lines.append(
            "no service found: declare them in opsmith.yaml (`opsmith design`), or in compose or "
            "Kubernetes files"
        )
    else:
        # the checks some service is judged by: a repository of web services only shows no liveness
        columns = [c for c in CHECKS if any(c in s.checks for s in coverage.services)]
        header = ["service", "critical", *columns]
        rows = [
            [
                shown(s.name),
                "yes" if s.critical else "no",
                *(("ok" if s.checks[c].ok else "GAP") if c in s.checks else "-" for c in columns),
            ]
            for s in coverage.services
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append(f"alerting pipeline watched: {'ok' if coverage.pipeline.ok else 'GAP'}")
    gaps = [
        f"{shown(s.name)} {name}: {shown(check.gap)}"
        for s in coverage.services
        if s.critical
        for name, check in s.checks.items()
        if check.gap is not None
    ]
    if coverage.pipeline.gap is not None:
        gaps.append(f"pipeline: {shown(coverage.pipeline.gap)}")
    if gaps:
        lines += ["", "gaps:", *(f"  {g}" for g in gaps)]
    others = sum(1 for s in coverage.services if not s.critical and not s.covered)
    if others:
        lines.append(f"({others} service(s) not critical have gaps too; they do not hold the gate)")
    if coverage.unreadable:
        lines += ["", "files that could not be read (they prove nothing):"]
        lines += [f"  {shown(u.path)}:{u.line or 1}: {shown(u.message)}" for u in coverage.unreadable]
    lines.append("")
    if coverage.covered:
        lines.append("gate 3 passed: every critical service is scraped, alerted, charted and routed.")
    elif not coverage.services:
        lines.append("gate 3 not passed: no service to check.")
    else:
        lines.append(f"gate 3 not passed: {len(gaps)} gap(s) to close.")
    return "\n".join(lines) + "\n"
