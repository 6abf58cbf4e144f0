"""Gate 1 through MCP: never implicit. The agent must pass the hash of the design it showed the
user, and the user must confirm in the client (MCP elicitation); the approval is logged with the
client's name, as `opsmith init --yes` logs its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.design.approval import GATE, content_hash, design_path
from opsmith.mcp.models import ApprovalResult
from opsmith.mcp.tools import cli_errors


class Confirmation(BaseModel):
    approve: bool = Field(description="approve this design, so opsmith can generate from it")


def current_hash(path: str) -> str:
    """The content hash of the repository's opsmith.yaml, the one `opsmith approve` records."""
    from opsmith.design.render_yaml import DesignFileError, load_data, read_design

    file = design_path(Path(path))
    if not file.is_file():
        message = f"{GATE} is not passed: there is no {file.name}; run `opsmith design`"
        raise CommandError(message, exit_codes.REFUSED)
    try:
        return content_hash(load_data(read_design(file), str(file)))
    except DesignFileError as exc:
        raise CommandError(str(exc)) from None


def ask_user(ctx: Context, path: str, design_sha256: str) -> Elicit[Confirmation]:
    """Asks the user (never the agent) to confirm, once the design is the one they were shown."""
    with cli_errors():
        _same_design(path, design_sha256)
    capabilities = ctx.client_capabilities
    if capabilities is None or capabilities.elicitation is None:
        raise ToolError(
            f"opsmith: {GATE} is not passed: approval through MCP needs the user's own confirmation,"
            " and this client cannot ask for it (no elicitation); ask the user to run `opsmith approve`"
        )
    return Elicit(
        f"Approve opsmith.yaml (sha256 {design_sha256.strip()[:12]}…) as the design opsmith generates"
        f" from? Your agent asks through {_client_name(ctx)}.",
        Confirmation,
    )


Answer = Annotated[ElicitationResult[Confirmation], Resolve(ask_user)]


async def approve(
    ctx: Context,
    design_sha256: Annotated[
        str, Field(description="current_sha256 of the design you showed the user (from the design tool)")
    ],
    answer: Answer,
    path: Annotated[str, Field(description="the repository folder")] = ".",
    by: Annotated[str | None, Field(description="who approves (default: git config user.name/email)")] = None,
) -> ApprovalResult:
    """Gate 1: records the user's approval of opsmith.yaml. The user is asked to confirm in the
    client; without that confirmation, or when the design is not the one shown, it refuses."""
    from opsmith.commands.approve import approve_design
    from opsmith.commands.init import APPROVAL_LOG, append_approval_log
    from opsmith.design.approval import git_identity
    from opsmith.writer import WriteError, repository_target

    if not isinstance(answer, AcceptedElicitation) or not answer.data.approve:
        raise ToolError(f"opsmith: {GATE} is not passed: the user did not approve ({answer.action})")
    client = _client_name(ctx)
    root = design_path(Path(path)).parent
    who = (by or "").strip() or git_identity(root) or "unknown user"
    with cli_errors():
        _same_design(path, design_sha256)  # the file may have changed while the user was asked
        try:
            log = repository_target(root, APPROVAL_LOG)
        except WriteError as exc:
            raise CommandError(str(exc)) from None
        _, approval, written = approve_design(path, f"{who} (through MCP client {client})")
        try:
            append_approval_log(
                log, f"gate 1 approved through MCP client {client} by {who}, design sha256 {approval.sha256}"
            )
        except OSError as exc:
            raise CommandError(f"cannot write {log}: {exc.strerror or exc}") from None
    return ApprovalResult(
        approved_by=approval.by,
        at=approval.at,
        sha256=approval.sha256,
        newly_recorded=written,
        logged_in=APPROVAL_LOG,
    )


def _same_design(path: str, shown: str) -> None:
    digest = current_hash(path)
    if shown.strip().lower() != digest:
        raise CommandError(
            f"{GATE} is not passed: opsmith.yaml's sha256 is {digest}, not the {shown.strip()[:64]!r} you"
            " showed the user; show them the design as it is now (the design tool) and ask again",
            exit_codes.REFUSED,
        )


def _client_name(ctx: Context[Any, Any]) -> str:
    """The client's own name and version, as it introduced itself (`unnamed client` if it did not)."""
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    if info is None or not info.name:
        return "unnamed client"
    from opsmith.report.safe_text import printable

    return printable(f"{info.name} {info.version}".strip())[:120]
