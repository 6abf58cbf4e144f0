"""Gate 1 through MCP: the design hash the user was shown and the user's own answer, or a refusal."""

from __future__ import annotations

from pathlib import Path

from mcp_session import answering, bookshelf, connect, error_text, run

from opsmith.commands.init import APPROVAL_LOG
from opsmith.design.approval import check_approved

_ARGS = {"by": "Dana Reviewer"}


async def _design(root: Path) -> str:
    async with connect(root) as client:
        result = await client.call_tool("design", {"users": 5000})
    assert result.structured_content is not None, result
    digest: str = result.structured_content["current_sha256"]
    return digest


def test_the_users_confirmation_approves_and_is_logged_with_the_client(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)
    digest = run(_design(root))
    handler, asked = answering(approve=True)

    async def approve() -> dict[str, object]:
        async with connect(root, handler) as client:
            result = await client.call_tool("approve", {"design_sha256": digest, **_ARGS})
        assert not result.is_error, result
        assert result.structured_content is not None
        return result.structured_content

    approved = run(approve())
    assert len(asked) == 1 and digest[:12] in asked[0] and "opsmith-tests 1.0" in asked[0]
    assert approved["sha256"] == digest and approved["newly_recorded"] is True
    status = check_approved(root)
    assert status.approved and status.approval is not None
    assert status.approval.by == "Dana Reviewer (through MCP client opsmith-tests 1.0)"
    log = (root / APPROVAL_LOG).read_text()
    assert f"through MCP client opsmith-tests 1.0 by Dana Reviewer, design sha256 {digest}" in log


def test_a_hash_other_than_the_designs_is_refused_before_the_user_is_asked(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)
    digest = run(_design(root))
    handler, asked = answering(approve=True)

    async def approve() -> str:
        async with connect(root, handler) as client:
            return error_text(await client.call_tool("approve", {"design_sha256": "0" * 64, **_ARGS}))

    message = run(approve())
    assert f"opsmith: gate 1 (design approval) is not passed: opsmith.yaml's sha256 is {digest}" in message
    assert asked == []
    assert not check_approved(root).approved
    assert not (root / APPROVAL_LOG).exists()


def test_a_client_that_cannot_ask_the_user_is_refused(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)
    digest = run(_design(root))

    async def approve() -> str:
        async with connect(root) as client:  # no elicitation handler: the client cannot ask
            return error_text(await client.call_tool("approve", {"design_sha256": digest, **_ARGS}))

    assert "needs the user's own confirmation, and this client cannot ask for it" in run(approve())
    assert not check_approved(root).approved


def test_a_user_who_says_no_or_declines_leaves_the_gate_closed(tmp_path: Path) -> None:
    root = bookshelf(tmp_path)
    digest = run(_design(root))
    refusing, _ = answering(approve=False)
    declining, _ = answering(approve=False, action="decline")

    async def approve() -> list[str]:
        messages = []
        for handler in (refusing, declining):
            async with connect(root, handler) as client:
                result = await client.call_tool("approve", {"design_sha256": digest, **_ARGS})
            messages.append(error_text(result))
        return messages

    said_no, declined = run(approve())
    assert said_no.endswith(
        "opsmith: gate 1 (design approval) is not passed: the user did not approve (accept)"
    )
    assert declined.endswith("the user did not approve (decline)")
    assert not check_approved(root).approved
