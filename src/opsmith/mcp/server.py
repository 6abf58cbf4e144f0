"""The opsmith MCP server: its tools, the rule catalogue as resources, and its transports."""

from __future__ import annotations

import ipaddress
import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.transport_security import TransportSecuritySettings

from opsmith import __version__
from opsmith.commands.errors import CommandError
from opsmith.mcp.approval import approve
from opsmith.mcp.tools import PLAIN_TOOLS

INSTRUCTIONS = """\
opsmith designs, generates, audits and verifies a repository's infrastructure, gate by gate:
analyze -> design -> approve (gate 1, the user confirms) -> generate (a dry run unless write) ->
audit (gate 2) -> verify_monitoring (gate 3). Show the user the design, its diff and its
current_sha256 before calling approve; approval is the user's decision, never yours."""


def build_server() -> MCPServer:
    server = MCPServer("opsmith", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    for tool in PLAIN_TOOLS:
        server.add_tool(tool)
    server.add_tool(approve)
    server.resource("opsmith://rules", mime_type="application/json")(rule_catalogue)
    server.resource("opsmith://rules/{rule_id}", mime_type="text/markdown")(rule_docs)
    return server


def rule_catalogue() -> str:
    """Every audit rule: ID, default severity, family, title and scope."""
    from opsmith.commands.rules import rule_rows, select_rules

    return json.dumps(rule_rows(select_rules(None)), indent=2)


def rule_docs(rule_id: str) -> str:
    """One rule's documentation: what it checks, why, an example and the fix."""
    from opsmith.commands.explain import explanation

    try:
        return explanation(rule_id)
    except CommandError as exc:
        raise ResourceError(exc.line) from None


class AddressError(ValueError):
    pass


def parse_address(text: str, *, allow_remote: bool) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:PORT` for IPv6) to listen on; a host other than this machine's
    loopback needs allow_remote, since the server has no authentication of its own."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AddressError(f"--http wants HOST:PORT, e.g. 127.0.0.1:8765: {text!r}")
    if not allow_remote and not is_loopback(host):
        raise AddressError(
            f"--http {text}: {host} is reachable from other machines and the server asks no credentials;"
            " listen on 127.0.0.1, or pass --allow-remote on a network you trust"
        )
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(http: str | None, *, allow_remote: bool = False) -> int:
    """Serves until the client goes away (stdio) or the process is stopped (HTTP)."""
    server = build_server()
    if http is None:
        server.run()
        return 0
    try:
        host, port = parse_address(http, allow_remote=allow_remote)
    except AddressError as exc:
        return CommandError(str(exc)).report()
    security = None
    if is_loopback(host):  # a web page must not reach a local server through DNS rebinding
        names = {host if ":" not in host else f"[{host}]", "127.0.0.1", "localhost", "[::1]"}
        security = TransportSecuritySettings(
            allowed_hosts=[f"{name}:*" for name in sorted(names)],
            allowed_origins=[f"http://{name}:*" for name in sorted(names)],
        )
    server.run("streamable-http", host=host, port=port, transport_security=security)
    return 0
