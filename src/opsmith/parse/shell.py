"""Just enough shell reading for rules about RUN lines and CI `run:` scripts.

Splits a script into simple commands (word lists) and the operators between them, honouring quotes,
so that `grep "a|b"` is not a pipe and `echo "cd x"` is not a `cd`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

_OPERATORS = frozenset({"&&", "||", ";", "|", "&", "\n", ";;", "|&"})
_CONTINUATION = re.compile(r"\\\r?\n")
_COMMENT_LINE = re.compile(r"^[ \t]*#.*$", re.MULTILINE)  # `^\s*` would rescan every blank line below
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PUNCT = frozenset("();<>|&\n")
_SPLIT_PUNCT = re.compile(r"&&|\|\||;;|\|&|>>|>&|<<|[;&|\n()<>]")
# Commands that run another command, with their own options that take a separate value.
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "nohup": frozenset(),
    "exec": frozenset({"-a"}),
    "command": frozenset(),
    "xargs": frozenset({"-n", "-I", "-P", "-L", "-s", "-d", "-E", "-a", "--max-args", "--max-procs"}),
}


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    after: str | None  # the operator that ended this command ('|', '&&', ...), None at the end

    @property
    def program(self) -> str:
        """The command name, past leading `VAR=value` assignments."""
        for word in self.words:
            if not _ASSIGNMENT.match(word):
                return word.rsplit("/", 1)[-1]
        return ""

    def args(self) -> tuple[str, ...]:
        """Words after the program name."""
        seen = False
        out: list[str] = []
        for word in self.words:
            if seen:
                out.append(word)
            elif not _ASSIGNMENT.match(word):
                seen = True
        return tuple(out)

    def unwrapped(self) -> Command:
        """The command that `sudo`, `env`, `exec` and the like would run."""
        cmd: Command = self
        while cmd.program in _WRAPPERS:
            takes_value = _WRAPPERS[cmd.program]
            rest = list(cmd.args())
            while rest and rest[0].startswith("-"):
                option = rest.pop(0)
                if option == "--":
                    break
                if option in takes_value and rest:
                    rest.pop(0)
            cmd = Command(tuple(rest), cmd.after)
        return cmd

    def has(self, *flags: str) -> bool:
        """True if any word equals one of `flags` or starts with `flag=`."""
        return any(w == f or w.startswith(f + "=") for w in self.words for f in flags)


def commands(script: str) -> list[Command] | None:
    """The simple commands of a script; None when its quoting is broken."""
    text = _COMMENT_LINE.sub("", _CONTINUATION.sub(" ", script))
    lexer = shlex.shlex(text, posix=True, punctuation_chars="();<>|&\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""
    out: list[Command] = []
    words: list[str] = []
    try:
        for token in _split_punctuation(lexer):
            if token in _OPERATORS:
                if words:
                    out.append(Command(tuple(words), token))
                    words = []
            elif token in ("(", ")", "{", "}"):
                continue
            else:
                words.append(token)
    except ValueError:
        return None
    if words:
        out.append(Command(tuple(words), None))
    return out


def _split_punctuation(tokens: shlex.shlex) -> list[str]:
    """shlex glues adjacent punctuation ('|\n', ');'): split it back into operators."""
    out: list[str] = []
    for token in tokens:
        if len(token) > 1 and set(token) <= _PUNCT:
            out.extend(_SPLIT_PUNCT.findall(token))
        else:
            out.append(token)
    return out


def has_pipe(cmds: Sequence[Command]) -> bool:
    return any(c.after in ("|", "|&") for c in cmds)


def sets_pipefail(cmds: Sequence[Command]) -> bool:
    """`set -o pipefail`, `set -euo pipefail` and friends."""
    for cmd in cmds:
        if cmd.program == "set":
            args = cmd.args()
            for i, word in enumerate(args):
                if (
                    word.startswith("-")
                    and word.endswith("o")
                    and i + 1 < len(args)
                    and args[i + 1] == "pipefail"
                ):
                    return True
    return False
