"""Each MCP tool over stdio, held to what the same verb prints on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp_session import answering, bookshelf, cli, connect, error_text, run


def _data(result: types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result
    assert result.structured_content is not None
    return result.structured_content


def test_design_writes_then_shows_a_change_as_a_diff_without_writing(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)

    async def calls() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with connect(root) as client:
            first = _data(await client.call_tool("design", {"users": 5000}))
            again = _data(await client.call_tool("design", {}))
            bigger = _data(await client.call_tool("design", {"users": 500000}))
        return first, again, bigger

    first, again, bigger = run(calls())
    written = (root / "opsmith.yaml").read_text()
    assert first["outcome"] == "written" and first["design"] == written and first["diff"] == ""
    assert "tier: startup" in first["summary"] and (root / "docs" / "infrastructure.md").is_file()
    assert again["outcome"] == "up to date" and again["current_sha256"] == first["current_sha256"]
    assert bigger["outcome"] == "refused"
    assert (root / "opsmith.yaml").read_text() == written  # nothing replaced without force
    assert bigger["diff"].startswith("--- a/opsmith.yaml\n+++ b/opsmith.yaml\n")
    assert "+  users: 500000" in bigger["diff"] and "-  users: 5000" in bigger["diff"]
    assert bigger["current_sha256"] == first["current_sha256"]


def test_generate_is_a_dry_run_unless_asked_to_write_and_keeps_user_edits(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)
    handler, _ = answering(approve=True)

    async def calls() -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with connect(root, handler) as client:
            digest = _data(await client.call_tool("design", {"users": 5000}))["current_sha256"]
            refused = error_text(await client.call_tool("generate", {}))
            await client.call_tool("approve", {"design_sha256": digest, "by": "Dana"})
            dry = _data(await client.call_tool("generate", {}))
            assert not (root / "Dockerfile").exists()
            wrote = _data(await client.call_tool("generate", {"write": True}))
            (root / "Dockerfile").write_text((root / "Dockerfile").read_text() + "# ours\n")
            kept = _data(await client.call_tool("generate", {"write": True}))
        return refused, dry, wrote, kept

    refused, dry, wrote, kept = run(calls())
    assert refused.endswith(
        "opsmith: gate 1 (design approval) is not passed: opsmith.yaml has not been"
        " approved; review it and run `opsmith approve`"
    )
    assert dry["dry_run"] is True
    dry_files = {f["path"]: f for f in dry["files"]}
    assert dry_files["Dockerfile"]["outcome"] == "created" and "+FROM " in dry_files["Dockerfile"]["diff"]
    assert wrote["dry_run"] is False
    assert {f["path"] for f in wrote["files"]} == set(dry_files)
    assert all((root / path).is_file() for path in dry_files)
    dockerfile = next(f for f in kept["files"] if f["path"] == "Dockerfile")
    assert dockerfile["outcome"] == "kept (edited since opsmith wrote it)"
    assert "-# ours" in dockerfile["diff"]
    assert (root / "Dockerfile").read_text().endswith("# ours\n")


def test_audit_returns_the_json_reports_findings_with_select_and_paths(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM python:latest\nCMD python app.py\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text("FROM python\n")

    async def calls() -> tuple[dict[str, Any], dict[str, Any], str]:
        async with connect(tmp_path) as client:
            everything = _data(await client.call_tool("audit", {"paths": ["app"]}))
            chosen = _data(await client.call_tool("audit", {"paths": ["app"], "select": ["DF001"]}))
            typo = error_text(await client.call_tool("audit", {"select": ["ZZ"]}))
        return everything, chosen, typo

    everything, chosen, typo = run(calls())
    report = json.loads(cli(tmp_path, "audit", "app", "--format", "json").stdout)
    assert everything["findings"] == report["findings"]
    assert everything["summary"] == report["summary"] and everything["failed"] is True
    assert [f["rule"] for f in chosen["findings"]] == ["DF001"]
    assert chosen["findings"][0]["path"] == "Dockerfile" and chosen["findings"][0]["line"] == 1
    assert typo.endswith(cli(tmp_path, "audit", "--select", "ZZ").stderr.strip())


def test_analyze_explain_rules_and_verify_match_the_command_line(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)

    async def calls() -> list[types.CallToolResult]:
        async with connect(root) as client:
            return [
                await client.call_tool("analyze", {}),
                await client.call_tool("explain", {"rule": "df003"}),
                await client.call_tool("rules", {"family": "DF"}),
                await client.call_tool("verify_monitoring", {}),
                await client.call_tool("explain", {"rule": "ZZ999"}),
                await client.call_tool("rules", {"family": "nope"}),
                await client.call_tool("analyze", {"path": "missing"}),
            ]

    analyzed, explained, listed, verified, *errors = run(calls())
    assert _data(analyzed)["facts"] == json.loads(cli(root, "analyze", "--format", "json").stdout)
    assert _data(explained) == {"rule": "DF003", "text": cli(root, "explain", "DF003").stdout.rstrip("\n")}
    assert _data(listed)["rules"] == json.loads(cli(root, "rules", "--family", "DF", "-f", "json").stdout)
    verify = cli(root, "verify", "monitoring", "--format", "json")
    assert _data(verified)["report"] == json.loads(verify.stdout)
    assert _data(verified)["covered"] is (verify.returncode == 0)
    lines = [
        cli(root, "explain", "ZZ999").stderr,
        cli(root, "rules", "--family", "nope").stderr,
        cli(root, "analyze", "missing").stderr,
    ]
    for result, line in zip(errors, lines, strict=True):
        assert line.startswith("opsmith: error: ")
        assert error_text(result).endswith(line.strip())
