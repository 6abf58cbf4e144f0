"""An opsmith MCP server spawned as an agent client would (`python -m opsmith mcp` over stdio),
driven by the SDK's own client."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import mcp_types as types
from mcp.client.stdio import StdioServerParameters

from mcp import Client

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookshelf"
CLIENT = types.Implementation(name="opsmith-tests", version="1.0")
T = TypeVar("T")

Elicit = Callable[[Any, types.ElicitRequestParams], Awaitable[types.ElicitResult]]


def run(coro: Awaitable[T]) -> T:
    async def wrapped() -> T:
        return await coro

    return asyncio.run(wrapped())


def bookshelf(tmp_path: Path) -> Path:
    """A copy of the bundled example application, without the design it ships with."""
    root = tmp_path / "bookshelf"
    shutil.copytree(EXAMPLE, root)
    (root / "opsmith.yaml").unlink(missing_ok=True)
    shutil.rmtree(root / "docs", ignore_errors=True)
    return root


@asynccontextmanager
async def connect(cwd: Path, elicit: Elicit | None = None) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "opsmith", "mcp"], cwd=str(cwd))
    async with Client(params, client_info=CLIENT, elicitation_callback=elicit) as client:
        yield client


def answering(approve: bool, action: str = "accept") -> tuple[Elicit, list[str]]:
    """A client-side elicitation handler standing in for the user's answer; it keeps each question."""
    asked: list[str] = []

    async def handler(_context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        content = {"approve": approve} if action == "accept" else None
        return types.ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return handler, asked


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same verb through the command line, to hold the tools to its output."""
    return subprocess.run(
        [sys.executable, "-m", "opsmith", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def error_text(result: types.CallToolResult) -> str:
    assert result.is_error, result
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text
