"""What each MCP tool returns: typed models, so every tool publishes its output schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Analysis(BaseModel):
    facts: dict[str, Any] = Field(description="`opsmith analyze --format json`: every fact with its evidence")


class DesignResult(BaseModel):
    outcome: Literal["written", "up to date", "refused", "kept"] = Field(
        description="refused: opsmith.yaml differs and was kept; call again with force to replace it"
        " (kept is init's quiet keep, which this tool never asks for)"
    )
    design: str = Field(description="opsmith.yaml as decided now")
    diff: str = Field(description="unified diff from the opsmith.yaml there was to this design ('' if none)")
    current_sha256: str = Field(
        description="hash of the opsmith.yaml now on disk: show it to the user, approve needs it"
    )
    summary: str = Field(description="what the CLI prints: tier, platform, services, what still needs input")


class ApprovalResult(BaseModel):
    approved_by: str
    at: str
    sha256: str
    newly_recorded: bool = Field(description="false when this same design was already approved")
    logged_in: str = Field(description="the log that records approvals given through MCP")


class GeneratedFile(BaseModel):
    path: str
    outcome: str = Field(description="created, updated, unchanged, overwritten, or kept (why)")
    diff: str = Field(description="what opsmith would change (dry run, and files it kept)")


class GenerateResult(BaseModel):
    gate: str = Field(description="gate 1's verdict on the design")
    dry_run: bool
    files: list[GeneratedFile]
    notes: list[str]


class Finding(BaseModel):
    rule: str
    severity: Literal["error", "warning", "info"]
    path: str
    line: int | None
    column: int | None
    message: str
    fix: str | None
    file_class: Literal["test", "production"]


class AuditReport(BaseModel):
    findings: list[Finding]
    summary: dict[str, Any] = Field(description="files, findings, by_severity, test_files, other_tool_files")
    failed: bool = Field(description="some finding is at or above fail-on (what makes the CLI exit 1)")
    notes: list[str]


class Explanation(BaseModel):
    rule: str
    text: str = Field(description="what `opsmith explain` prints: severity, family, scope and docs")


class RuleRow(BaseModel):
    id: str
    severity: str
    family: str
    title: str
    scope: str


class RuleList(BaseModel):
    rules: list[RuleRow]


class MonitoringCoverage(BaseModel):
    covered: bool = Field(description="every critical service covered and the pipeline watched (gate 3)")
    note: str | None = Field(description="set when the design is unapproved: its services used as written")
    report: dict[str, Any] = Field(description="`opsmith verify monitoring --format json`")
