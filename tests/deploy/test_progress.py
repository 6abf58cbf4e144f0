"""Deploy progress: JSON lines for tools, plain lines in CI, one line rewritten in place on a
terminal for the weights and measurements of the current step."""

from __future__ import annotations

import io
import json

from opsmith.deploy.progress import Progress

EVENTS = [
    ("step", {"deploy": 1, "index": 2, "step": "weight 5", "of": 10}),
    ("weights", {"service": "web", "weights": {"r2": 5, "r1": 95}}),
    ("analysis", {"service": "web", "release": "r2", "verdict": "pass", "note": "an average",
                  "checks": ["success-rate 1 (needs >= 0.99): pass"]}),
    ("done", {"deploy": 1, "outcome": "rolled-back", "reason": "analysis failed"}),
]  # fmt: skip


def shown(mode: str) -> str:
    stream = io.StringIO()
    progress = Progress(stream, mode)  # type: ignore[arg-type]
    for kind, details in EVENTS:
        progress(kind, details)
    return stream.getvalue()


def test_json_lines_carry_every_event() -> None:
    lines = [json.loads(line) for line in shown("json").splitlines()]
    assert [line["event"] for line in lines] == ["step", "weights", "analysis", "done"]
    assert lines[1]["weights"] == {"r2": 5, "r1": 95} and lines[0]["at"].endswith("Z")


def test_plain_lines_show_step_weights_and_values_against_thresholds() -> None:
    assert shown("plain").splitlines() == [
        "  [3/10] weight 5",
        "      traffic: r2 5%, r1 95%",
        "      analysis pass: success-rate 1 (needs >= 0.99): pass (an average)",
        "  rolled-back: analysis failed",
    ]


def test_a_terminal_rewrites_the_live_line_in_place() -> None:
    text = shown("terminal")
    assert text.count("\r\x1b[2K") == 2  # the analysis replaces the weights, the end replaces it
    assert text.endswith("  rolled-back: analysis failed\n")


def test_text_from_outside_cannot_drive_the_terminal() -> None:
    stream = io.StringIO()
    Progress(stream, "plain").line("release \x1b[31mred")
    assert "\x1b" not in stream.getvalue()
