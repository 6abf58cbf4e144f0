"""Which `/bin/sh` runs a shell-form CMD or ENTRYPOINT, and whether it hands PID 1 to the command
(DF013).

Measured on this machine by starting `SHELL -c SCRIPT` and reading the process tree: busybox
1.35's ash (the `/bin/sh` of Alpine and busybox images) replaces itself with the last command of
the script, redirections and `$(...)` included, but stays as the parent of a pipeline or of a
command followed by another; bash 5.2 (the `/bin/sh` of Red Hat family images) replaces itself
with a lone command that has no redirection; Debian's dash 0.5.12 (Debian and Ubuntu images)
always stays as the parent.
"""

from __future__ import annotations

import re

from opsmith.parse.dockerfile import Instruction, Stage
from opsmith.parse.image import image_ref
from opsmith.parse.shell import commands
from opsmith.rules.dockerfile_facts import chain

BUSYBOX, BASH = "busybox", "bash"
# The last part of the image name, for images whose /bin/sh is bash.
_BASH_IMAGES = frozenset({"fedora", "centos", "rockylinux", "almalinux", "amazonlinux", "oraclelinux"})
_GROUP = re.compile(r"(?<!\$)\(")  # a subshell; `$(...)` is only a substitution
_REDIRECTS = frozenset({">", ">>", "<", ">&", "<&", "<<", "<>", ">|", "&>"})


def image_shell(stage: Stage) -> str | None:
    """The shell a shell-form command of this stage runs under, when opsmith knows it: from a
    SHELL instruction, else from the base image's distribution (None: unknown, or dash)."""
    stages = chain(stage)
    shells = [i for s in stages for i in s.of("SHELL")]
    if shells and shells[-1].args:
        program = shells[-1].args[0].rsplit("/", 1)[-1]
        if program != "sh":
            return {"bash": BASH, "ash": BUSYBOX, "busybox": BUSYBOX}.get(program)
    ref = image_ref(stages[0].resolved_image or stages[0].image)
    last = ref.name.rsplit("/", 1)[-1]
    if last in ("alpine", "busybox") or "alpine" in (ref.tag or ""):
        return BUSYBOX
    if last in _BASH_IMAGES or any(part.startswith("ubi") for part in ref.name.split("/")):
        return BASH
    return None


def hands_over_pid1(ins: Instruction, shell: str | None) -> bool:
    """Does the shell replace itself with the command (so the command is PID 1 and receives
    SIGTERM)? Only for one simple command: no pipeline, list, background job or group."""
    if shell is None:
        return False
    script = ins.args[0] if ins.args else ""
    found = commands(script)
    if not found or len(found) != 1 or found[0].after is not None or _GROUP.search(script):
        return False
    if shell == BASH:
        return not any(word in _REDIRECTS for word in found[0].words)
    return True
