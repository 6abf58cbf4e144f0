"""How text from the repository enters a generated workflow without being evaluated on the way.

GitHub expands `${{ }}` in nearly every workflow value (`run:`, `env:`, `with:`,
`working-directory:`) before any shell starts, so quoting for the shell inside a script is not
enough. The rule the generators follow: a repository value (a folder, a file, a service or image
name, a declared command) never appears in a `run:` script; it is set in the step's `env:` with
`verbatim` and the script reads it as a quoted `"$VAR"`. Elsewhere (`with:` inputs,
`working-directory:`) it goes through `verbatim` too, and inside an expression through `quoted`.
"""

from __future__ import annotations

import re

_OPEN = "${{"


def verbatim(text: str) -> str:
    """`text` as a workflow value GitHub reads back unchanged: an expression opener in it becomes
    an expression whose value is that opener."""
    return text.replace(_OPEN, "${{ '${{' }}")


def quoted(text: str) -> str:
    """`text` as a string literal inside `${{ }}` (single quotes, a quote doubled)."""
    return "'" + text.replace("'", "''") + "'"


def env_name(*parts: str) -> str:
    """An environment variable name made of `parts` (`env_name("image", "api-v2")` ->
    `IMAGE_API_V2`)."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").upper() for p in parts if p)
