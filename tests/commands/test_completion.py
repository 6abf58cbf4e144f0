"""`opsmith completion bash|zsh|fish`: scripts written from the parser, the bash one exercised in a
real bash the way its completion machinery calls it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from opsmith.cli import build_parser
from opsmith.commands.completion import commands


def _script(shell: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "opsmith", "completion", shell], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def bash_script() -> str:
    return _script("bash")


def _complete(script: str, line: str) -> list[str]:
    """What bash offers after `line` (its last word is the one being completed)."""
    words = line.split(" ")
    program = (
        f"{script}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        "_opsmith; printf '%s\\n' \"${COMPREPLY[@]}\"; complete -p opsmith >&2"
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    assert "-F _opsmith opsmith" in done.stderr  # registered for the command
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_every_verb_of_the_parser(bash_script: str) -> None:
    verbs = list(next(commands(build_parser())).verbs)
    assert {"audit", "init", "completion"} <= set(verbs)
    assert _complete(bash_script, "opsmith ") == verbs
    assert _complete(bash_script, "opsmith au") == ["audit"]


def test_bash_completes_options_choices_and_nested_verbs(bash_script: str) -> None:
    assert _complete(bash_script, "opsmith audit --for") == ["--format"]
    assert _complete(bash_script, "opsmith audit --format ") == ["text", "json", "sarif", "github", "html"]
    assert _complete(bash_script, "opsmith audit -f s") == ["sarif"]
    assert _complete(bash_script, "opsmith verify ") == ["monitoring"]
    assert _complete(bash_script, "opsmith verify monitoring --f") == ["--format"]
    assert _complete(bash_script, "opsmith completion ") == []  # a positional: bash's default


def test_zsh_reuses_the_bash_functions_through_bashcompinit(bash_script: str) -> None:
    script = _script("zsh")
    assert "bashcompinit" in script and "complete -o default -F _opsmith opsmith" in script
    assert bash_script.split("\n", 1)[1] in script
    zsh = shutil.which("zsh")
    if zsh is not None:  # not installed on every machine: the syntax check runs where it is
        subprocess.run([zsh, "-n", "-c", script], check=True)


def test_fish_has_a_line_per_verb_and_option() -> None:
    script = _script("fish")
    for command in commands(build_parser()):
        for verb, help_text in command.verbs.items():
            quoted = help_text.replace("\\", "\\\\").replace("'", "\\'")  # fish's single-quote escapes
            assert f" -a {verb} -d '{quoted}'\n" in script, verb
    assert "-l format -s f -x -a 'text json sarif github html'" in script
    fish = shutil.which("fish")
    if fish is not None:
        subprocess.run([fish, "--no-execute", "-c", script], check=True)
