"""The spinner on stderr: drawn for slow work on a terminal (a pseudo-terminal here), never in
pipes, CI or stdout, and not even imported for quick work."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers import write_tree

SLOW = """
import sys, time
from opsmith.progress import working
with working("auditing many files"):
    time.sleep({seconds})
print("rich" in sys.modules)
"""


def _on_terminal(
    code: str, extra_env: dict[str, str] | None = None, terminal: bool = True
) -> tuple[str, str]:
    """Runs Python code with stderr on a pseudo-terminal (or a pipe); its stdout and what the
    terminal (or pipe) received."""
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm-256color"} | (extra_env or {})
    if not terminal:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True
        )
        return done.stdout, done.stderr
    main, child = pty.openpty()
    # stdout to a file: a pipe nobody reads while the terminal is read could fill up and block it.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stdout:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=stdout, stderr=child, env=env)
        os.close(child)
        received = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal (EIO on Linux)
                break
            if not chunk:
                break
            received += chunk
        os.close(main)
        assert proc.wait(timeout=120) == 0
        stdout.seek(0)
        return stdout.read(), received.decode("utf-8", "replace")


def test_slow_work_on_a_terminal_shows_the_spinner_on_stderr_only() -> None:
    out, terminal = _on_terminal(SLOW.format(seconds=1.5))
    assert "auditing many files" in terminal
    assert out == "True\n"  # stdout holds only what the program printed


def test_quick_work_draws_nothing_and_imports_nothing() -> None:
    out, terminal = _on_terminal(SLOW.format(seconds=0))
    assert terminal == "" and out == "False\n"


def test_no_spinner_in_ci_on_a_dumb_terminal_or_in_a_pipe() -> None:
    for env in ({"CI": "true"}, {"TERM": "dumb"}):
        out, terminal = _on_terminal(SLOW.format(seconds=0.6), env)
        assert terminal == "" and out == "False\n", env
    out, piped = _on_terminal(SLOW.format(seconds=0.6), terminal=False)
    assert piped == "" and out == "False\n"


def test_audit_shows_progress_on_the_terminal_and_keeps_json_clean(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {f"svc{n}/Dockerfile": "FROM debian\nRUN apt-get install -y curl\n" for n in range(300)}
    )
    code = (
        "import opsmith.progress as progress\n"
        "progress.DELAY = 0  # draw at once: the audit's length varies from machine to machine\n"
        "from opsmith.cli import main\n"
        f"raise SystemExit(main(['audit', {str(root)!r}, '-f', 'json', '--fail-on', 'never']))\n"
    )
    out, terminal = _on_terminal(code)
    assert "auditing" in terminal
    assert len(json.loads(out)["findings"]) >= 300
