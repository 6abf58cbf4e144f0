"""The unified diff `opsmith audit --diff` prints: what `--fix` would change, safe for a terminal."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from opsmith.fix.apply import FileFixes
from opsmith.report.safe_text import shown


def render_diff(fixes: Sequence[FileFixes]) -> str:
    out: list[str] = []
    for file in fixes:
        if file.after == file.before:
            continue
        name = shown(file.path)
        lines = difflib.unified_diff(
            file.before.splitlines(keepends=True),
            file.after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        for line in lines:
            # `shown` masks secrets and escapes control characters, in context lines as well
            out.append(shown(line.rstrip("\r\n")) + "\n")
            if not line.endswith("\n"):
                out.append("\\ No newline at end of file\n")
    return "".join(out)
