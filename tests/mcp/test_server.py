"""The server as a client sees it: tools with typed schemas, the rule catalogue as resources, and
both transports (stdio, streamable HTTP on loopback)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp_session import CLIENT, cli, connect, run

from mcp import Client
from opsmith.mcp.server import AddressError, parse_address

TOOLS = {"analyze", "design", "approve", "generate", "audit", "explain", "rules", "verify_monitoring"}


def test_every_tool_publishes_its_input_and_output_schema(tmp_path: Path) -> None:
    async def listing() -> dict[str, tuple[dict[str, object], dict[str, object] | None]]:
        async with connect(tmp_path) as client:
            tools = (await client.list_tools()).tools
        return {tool.name: (tool.input_schema, tool.output_schema) for tool in tools}

    tools = run(listing())
    assert set(tools) == TOOLS
    assert all(output is not None for _, output in tools.values())
    approve_input = tools["approve"][0]
    # the user's answer is asked of the client, never an argument the agent could fill in
    assert set(approve_input["properties"]) == {"design_sha256", "path", "by"}
    assert approve_input["required"] == ["design_sha256"]
    assert set(tools["generate"][0]["properties"]) >= {"write"}
    assert set(tools["audit"][0]["properties"]) >= {"paths", "select", "ignore"}


def test_the_rule_catalogue_and_each_rules_docs_are_resources(tmp_path: Path) -> None:
    async def reads() -> tuple[str, str, list[str]]:
        async with connect(tmp_path) as client:
            catalogue = (await client.read_resource("opsmith://rules")).contents[0]
            docs = (await client.read_resource("opsmith://rules/DF001")).contents[0]
            templates = (await client.list_resource_templates()).resource_templates
            with pytest.raises(MCPError) as unknown:
                await client.read_resource("opsmith://rules/ZZ999")
        assert "unknown rule 'ZZ999'" in str(unknown.value)
        return catalogue.text, docs.text, [t.uri_template for t in templates]

    catalogue, docs, templates = run(reads())
    assert json.loads(catalogue) == json.loads(cli(tmp_path, "rules", "--format", "json").stdout)
    assert docs == cli(tmp_path, "explain", "DF001").stdout.rstrip("\n")
    assert templates == ["opsmith://rules/{rule_id}"]


def test_http_serves_on_loopback(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port, released for the server to take
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "opsmith", "mcp", "--http", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, server)

        async def call() -> types.CallToolResult:
            async with Client(f"http://127.0.0.1:{port}/mcp", client_info=CLIENT) as client:
                return await client.call_tool("explain", {"rule": "DF001"})

        result = run(call())
        assert result.structured_content is not None and result.structured_content["rule"] == "DF001"
        assert _status_for_host(port, "attacker.example") >= 400  # DNS rebinding: a foreign Host
    finally:
        server.terminate()
        server.wait(timeout=30)


def _status_for_host(port: int, host: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp",
        data=b"{}",
        headers={"Host": host, "Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None
            pytest.fail(f"the server exited: {server.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listened on 127.0.0.1:{port}")


def test_a_host_beyond_loopback_is_refused_without_allow_remote(tmp_path: Path) -> None:
    refused = cli(tmp_path, "mcp", "--http", "0.0.0.0:8765")
    assert refused.returncode == 2
    assert refused.stderr.startswith("opsmith: error: --http 0.0.0.0:8765: 0.0.0.0 is reachable from other")
    assert "--allow-remote" in refused.stderr


@pytest.mark.parametrize(
    ("text", "allow_remote", "expected"),
    [
        ("127.0.0.1:8765", False, ("127.0.0.1", 8765)),
        ("localhost:1", False, ("localhost", 1)),
        ("[::1]:8765", False, ("::1", 8765)),
        ("0.0.0.0:8765", True, ("0.0.0.0", 8765)),
    ],
)
def test_addresses(text: str, allow_remote: bool, expected: tuple[str, int]) -> None:
    assert parse_address(text, allow_remote=allow_remote) == expected


@pytest.mark.parametrize(
    "text", ["8765", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", ":8765", "10.0.0.1:80"]
)
def test_bad_or_remote_addresses(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address(text, allow_remote=False)


def test_other_verbs_never_load_the_sdk(tmp_path: Path) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from opsmith.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['audit', {str(tmp_path)!r}, '--fail-on', 'never'])\n"
        "    main(['rules'])\n"
        "print(' '.join(sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.split())
    assert {m for m in loaded if m == "mcp" or m.startswith(("mcp.", "opsmith.mcp"))} == set()
