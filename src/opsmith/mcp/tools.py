"""The MCP tools that need no conversation with the user: each calls the function the CLI verb
calls and turns its CommandError into a tool error carrying the CLI's own line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from opsmith.commands.errors import CommandError, internal_line
from opsmith.mcp.models import (
    Analysis,
    AuditReport,
    DesignResult,
    Explanation,
    GeneratedFile,
    GenerateResult,
    MonitoringCoverage,
    RuleList,
    RuleRow,
)

Path_ = Annotated[str, Field(description="the repository folder (relative to the server's folder)")]


@contextmanager
def cli_errors() -> Iterator[None]:
    """A command's refusal or usage error becomes a tool error with the line the CLI prints."""
    try:
        yield
    except CommandError as exc:
        raise ToolError(exc.line) from None


def analyze(path: Path_ = ".") -> Analysis:
    """What the repository is made of (languages, frameworks, ports, health routes, backing
    services), each fact with the file and line it comes from, and what it does not say."""
    from opsmith.analysis.report import to_json
    from opsmith.commands.analyze import analyze_path

    with cli_errors():
        facts = analyze_path(path)
    return Analysis(facts=json.loads(to_json(facts)))


Users = Annotated[int | None, Field(ge=1, description="expected users; needed without an opsmith.yaml")]
Force = Annotated[bool, Field(description="replace an opsmith.yaml that differs (clears its approval)")]


def design(
    path: Path_ = ".",
    *,
    users: Users = None,
    regions: Annotated[int | None, Field(ge=1)] = None,
    compliance: Literal["none", "hipaa", "pci", "soc2", "gdpr"] | None = None,
    cloud: Literal["aws", "gcp", "azure", "fly", "railway"] | None = None,
    name: str | None = None,
    force: Force = False,
) -> DesignResult:
    """Designs the infrastructure and writes opsmith.yaml and docs/infrastructure.md, unless an
    opsmith.yaml that differs is there (then nothing is written: the diff shows the change). Show
    the user the design, its diff and current_sha256 before asking for approval."""
    from opsmith.commands.design import design_diff, design_repository
    from opsmith.mcp.approval import current_hash

    out = StringIO()
    with cli_errors():
        done = design_repository(
            path,
            users=users,
            regions=regions,
            compliance=compliance,
            cloud=cloud,
            name=name,
            force=force,
            interactive=False,
            out=out,
        )
        digest = current_hash(path)
    diff = "".join(design_diff(done.previous, done.text)) if done.previous is not None else ""
    return DesignResult(
        outcome=done.outcome,
        design=done.text,
        diff="" if done.outcome == "up to date" else diff,
        current_sha256=digest,
        summary=out.getvalue(),
    )


def generate(
    path: Path_ = ".",
    write: Annotated[
        bool, Field(description="write the files; without it nothing is written and every diff is shown")
    ] = False,
    k8s: Annotated[bool, Field(description="Kubernetes manifests even below the growth tier")] = False,
    pin_digests: Annotated[
        str | None, Field(description="file of `image:tag sha256:...` lines or a JSON object")
    ] = None,
) -> GenerateResult:
    """The approved design's artifacts (refused until gate 1 is passed). A dry run by default;
    with write, files the user changed (or had before) are never overwritten: their diff is shown."""
    from opsmith.commands.generate import generate_files

    with cli_errors():
        done = generate_files(path, force=False, dry_run=not write, k8s=k8s, pin_digests=pin_digests)
    files = [GeneratedFile(path=r.path, outcome=r.outcome.value, diff=r.diff) for r in done.report.results]
    return GenerateResult(gate=done.gate, dry_run=not write, files=files, notes=list(done.notes))


Paths = Annotated[list[str] | None, Field(description="files or folders (default: the server's folder)")]


def audit(
    paths: Paths = None,
    select: Annotated[list[str] | None, Field(description="rule IDs or prefixes to run")] = None,
    ignore: Annotated[list[str] | None, Field(description="rule IDs or prefixes to skip")] = None,
    fail_on: Literal["error", "warning", "info", "never"] | None = None,
    config: Annotated[str | None, Field(description="configuration file (default: discovered)")] = None,
) -> AuditReport:
    """Audits every DevOps artifact (Dockerfiles, compose, workflows, Kubernetes, Terraform,
    Prometheus, migrations) against the rule catalogue; the findings of `--format json`."""
    from opsmith.audit.engine import audit as audit_target
    from opsmith.commands.audit import audit_targets, combined
    from opsmith.report import render

    args = argparse.Namespace(
        paths=list(paths or []),
        config=config,
        select=",".join(select) if select else None,
        ignore=",".join(ignore) if ignore else None,
        fail_on=fail_on,
        baseline=None,
        write_baseline=False,
        terraform_fmt=False,
    )
    with cli_errors():
        targets = audit_targets(args)
    result = combined(targets, [audit_target(target, cfg) for target, cfg in targets])
    if result.crashes:  # as the CLI does: a rule that crashed must not pass for a clean audit
        raise ToolError(internal_line(result.crashes[0].where, [c.error for c in result.crashes]))
    report = json.loads(render("json", result, False))
    fail_level = targets[0][1].fail_on
    return AuditReport(
        findings=report["findings"],
        summary=report["summary"],
        failed=fail_level is not None and any(f.severity >= fail_level for f in result.findings),
        notes=list(result.notes),
    )


def explain(rule: Annotated[str, Field(description="rule ID, e.g. DF001")]) -> Explanation:
    """What a rule checks, why it matters, an example and the fix."""
    from opsmith.commands.explain import explanation

    with cli_errors():
        text = explanation(rule)
    return Explanation(rule=text.partition(":")[0], text=text)


def rules(
    family: Annotated[str | None, Field(description="only this family, by name or prefix (DF)")] = None,
) -> RuleList:
    """Every audit rule: ID, default severity, family, title and scope."""
    from opsmith.commands.rules import rule_rows, select_rules

    with cli_errors():
        chosen = select_rules(family)
    return RuleList(rules=[RuleRow(**row) for row in rule_rows(chosen)])


def verify_monitoring(
    path: Path_ = ".",
    config: Annotated[str | None, Field(description="configuration file (default: discovered)")] = None,
) -> MonitoringCoverage:
    """Gate 3: whether every critical service is scraped, alerted on errors and latency, on a
    dashboard, with runbooks and routed alerts, and whether the alerting pipeline is watched."""
    from opsmith.commands.verify import verify_coverage

    with cli_errors():
        coverage, note = verify_coverage(path, config)
    return MonitoringCoverage(covered=coverage.covered, note=note, report=coverage.to_json())


PLAIN_TOOLS: tuple[Callable[..., object], ...] = (
    analyze,
    design,
    generate,
    audit,
    explain,
    rules,
    verify_monitoring,
)
