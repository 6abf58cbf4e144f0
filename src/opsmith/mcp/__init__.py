"""`opsmith mcp`: the CLI's verbs as Model Context Protocol tools, for coding agents.

Imported only by the mcp verb, so the SDK never weighs on `opsmith audit`'s start-up.
"""

from __future__ import annotations


def run(http: str | None, *, allow_remote: bool) -> int:
    """The mcp verb: serve, or say how to install the SDK when it is missing."""
    try:
        from opsmith.mcp.server import serve
    except ModuleNotFoundError as exc:
        if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
            raise
        from opsmith.commands.errors import usage_error

        return usage_error("`opsmith mcp` needs the MCP SDK: pip install 'opsmith[mcp]'")
    return serve(http, allow_remote=allow_remote)
