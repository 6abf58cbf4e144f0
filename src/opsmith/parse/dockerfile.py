"""Dockerfiles read by BuildKit's own parser (the `dockerfile` package), then checked the way
`docker build` checks instructions before running them, and organised into build stages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from opsmith.audit.source import SourceFile
from opsmith.parse import buildkit as _bk
from opsmith.parse.errors import ParseFailure

_KNOWN = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_FLAGS: Mapping[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "RUN": frozenset({"mount", "network", "security", "device"}),
    "COPY": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "start-interval", "retries"}),
}
_EXACTLY_ONE = frozenset({"WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER"})
_AT_LEAST_ONE = frozenset(
    {
        "RUN",
        "ENTRYPOINT",
        "ENV",
        "LABEL",
        "EXPOSE",
        "VOLUME",
        "ARG",
        "HEALTHCHECK",
        "SHELL",
        "ONBUILD",
    }
)
_ONBUILD_FORBIDDEN = frozenset({"ONBUILD", "FROM", "MAINTAINER"})
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
# A default word stops at the next brace: `[^}]*` would rescan the line from every `${` without a `}`.
_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+?])?(?P<word>[^{}]*)\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)
_HEREDOC_START = re.compile(r"<<-?[\"']?[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper case; for ONBUILD, the trigger is in sub_cmd
    args: tuple[str, ...]
    flags: tuple[str, ...]
    original: str
    line: int
    end_line: int
    json: bool
    heredocs: tuple[str, ...] = ()  # heredoc bodies, in order
    sub_cmd: str | None = None

    def flag(self, name: str) -> str | None:
        """The value of `--name=value` (the last one wins), '' for a bare `--name`."""
        value = None
        for raw in self.flags:
            key, sep, val = raw.lstrip("-").partition("=")
            if key == name:
                value = val if sep else ""
        return value

    def flag_values(self, name: str) -> list[str]:
        out = []
        for raw in self.flags:
            key, sep, val = raw.lstrip("-").partition("=")
            if key == name:
                out.append(val if sep else "")
        return out

    @property
    def script(self) -> str:
        """Shell text a RUN executes: its command line plus heredoc bodies."""
        return "\n".join((" ".join(self.args), *self.heredocs))


@dataclass
class Stage:
    index: int
    image: str  # as written after FROM
    resolved_image: str | None  # ARG defaults applied; None when a variable has no default
    name: str | None  # the `AS name`, lower-cased
    platform: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)
    parent: Stage | None = None  # the earlier stage this one is built FROM, if any

    def of(self, *cmds: str) -> list[Instruction]:
        return [i for i in self.instructions if i.cmd in cmds]


@dataclass
class DockerfileDoc:
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]
    escape: str = "\\"

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_named(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name.lower()), None)


_EMPTY = "the Dockerfile is empty: it has no instructions"


def parse(source: SourceFile) -> DockerfileDoc | ParseFailure:
    if not source.text.strip():
        return ParseFailure(_EMPTY, 1)
    try:
        commands = _bk.parse_string(source.text)
    except _bk.GoParseError as exc:
        message = str(exc)
        return ParseFailure(message, _locate(source.text, message))
    except UnicodeDecodeError:
        # BuildKit splits some instructions' arguments (HEALTHCHECK's) at U+0085 and U+00A0 byte by
        # byte, cutting the character in two, and the wrapper cannot decode what comes back.
        found = [i for i in (source.text.find("\x85"), source.text.find("\xa0")) if i >= 0]
        return ParseFailure(
            "a next-line or no-break space (U+0085, U+00A0) in an instruction's arguments: "
            "BuildKit's parser cuts it in two",
            source.text.count("\n", 0, min(found)) + 1 if found else None,
        )
    # A lone line continuation comes back as an instruction without a name.
    instructions = [_instruction(c) for c in commands if c.cmd is not None]
    if not instructions:
        return ParseFailure(_EMPTY, 1)
    problem = _validate(instructions)
    if problem is not None:
        return problem
    return _organise(instructions, _escape_char(source.lines))


def _instruction(c: _bk.Command) -> Instruction:
    return Instruction(
        cmd=c.cmd.upper(),
        args=tuple(c.value),
        flags=tuple(c.flags),
        original=c.original,
        line=c.start_line,
        end_line=c.end_line,
        json=c.json,
        heredocs=tuple(h.content for h in c.heredocs),
        sub_cmd=c.sub_cmd.upper() if c.sub_cmd else None,
    )


def _locate(text: str, message: str) -> int | None:
    """The first line at which the parser gives this error: binary search over text prefixes."""
    if "heredoc" in message:
        starts = [n for n, line in enumerate(text.splitlines(), 1) if _HEREDOC_START.search(line)]
        return starts[-1] if starts else None
    lines = text.splitlines(keepends=True)
    low, high = 1, len(lines)
    while low < high:
        mid = (low + high) // 2
        try:
            _bk.parse_string("".join(lines[:mid]))
            failed = False
        except _bk.GoParseError as exc:
            failed = str(exc) == message
        except UnicodeDecodeError:  # the prefix parsed; only its output is undecodable (see parse)
            failed = False
        if failed:
            high = mid
        else:
            low = mid + 1
    return low if lines else None


def _escape_char(lines: list[str]) -> str:
    for line in lines:
        match = re.match(r"^#\s*escape\s*=\s*(\S)", line, re.IGNORECASE)
        if match:
            return match.group(1)
        if not line.startswith("#"):
            break
    return "\\"


def _validate(instructions: list[Instruction]) -> ParseFailure | None:
    """The checks BuildKit makes on instructions before it builds anything."""
    seen_from = False
    stage_names: set[str] = set()
    for ins in instructions:
        if ins.cmd not in _KNOWN:
            return ParseFailure(f"unknown instruction: {ins.cmd}", ins.line)
        if ins.cmd == "FROM":
            seen_from = True
            failure = _check_from(ins, stage_names)
            if failure:
                return failure
        elif ins.cmd != "ARG" and not seen_from:
            return ParseFailure(f"{ins.cmd} before the first FROM: no build stage to apply it to", ins.line)
        failure = _check_arity(ins)
        if failure:
            return failure
        allowed = _FLAGS.get(ins.cmd, frozenset())
        for raw in ins.flags:
            key = raw.lstrip("-").partition("=")[0]
            if key not in allowed:
                return ParseFailure(f"unknown flag --{key} for {ins.cmd}", ins.line)
    if not seen_from:
        return ParseFailure("no FROM instruction: the Dockerfile defines no build stage", 1)
    return None


def _check_from(ins: Instruction, names: set[str]) -> ParseFailure | None:
    args = ins.args
    if len(args) not in (1, 3) or (len(args) == 3 and args[1].upper() != "AS"):
        return ParseFailure("FROM takes an image and optionally `AS name`", ins.line)
    if len(args) == 3:
        name = args[2].lower()
        if not _STAGE_NAME.match(name):
            return ParseFailure(f"invalid stage name {args[2]!r}", ins.line)
        if name in names:
            return ParseFailure(f"duplicate stage name {args[2]!r}", ins.line)
        names.add(name)
    return None


def _check_arity(ins: Instruction) -> ParseFailure | None:
    cmd, count = ins.cmd, len([a for a in ins.args if a != ""])
    if cmd in _EXACTLY_ONE and count != 1:
        return ParseFailure(f"{cmd} takes exactly one argument", ins.line)
    if cmd in _AT_LEAST_ONE and count == 0:
        return ParseFailure(f"{cmd} needs at least one argument", ins.line)
    if cmd in ("COPY", "ADD") and count < 2 and not ins.heredocs:
        return ParseFailure(f"{cmd} needs a source and a destination", ins.line)
    if cmd == "HEALTHCHECK" and ins.args[0].upper() not in ("NONE", "CMD"):
        return ParseFailure("HEALTHCHECK must be followed by CMD or NONE", ins.line)
    if cmd == "HEALTHCHECK" and ins.args[0].upper() == "CMD" and count < 2:
        return ParseFailure("HEALTHCHECK CMD needs a command to run", ins.line)
    if cmd == "SHELL" and not ins.json:
        return ParseFailure("SHELL must be written in JSON form", ins.line)
    if cmd == "ONBUILD" and (ins.sub_cmd is None or ins.sub_cmd in _ONBUILD_FORBIDDEN):
        return ParseFailure(f"ONBUILD cannot trigger {ins.sub_cmd or 'nothing'}", ins.line)
    if cmd == "ENV" and any(key == "" for key in ins.args[::2]):
        return ParseFailure("ENV names cannot be blank", ins.line)
    return None


def _organise(instructions: list[Instruction], escape: str) -> DockerfileDoc:
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for ins in instructions:
        if ins.cmd == "FROM":
            stages.append(_stage(ins, len(stages), global_args, stages))
        elif not stages:
            if ins.cmd == "ARG":
                global_args.update(arg_pairs(ins))
        else:
            stages[-1].instructions.append(ins)
    return DockerfileDoc(instructions, stages, global_args, escape)


def _stage(ins: Instruction, index: int, args: dict[str, str | None], earlier: list[Stage]) -> Stage:
    image = ins.args[0]
    resolved = substitute(image, args)
    name = ins.args[2].lower() if len(ins.args) == 3 else None
    parent = None
    if resolved is not None:
        parent = next((s for s in earlier if s.name == resolved.lower()), None)
    return Stage(index, image, resolved, name, ins.flag("platform"), ins.line, parent=parent)


def arg_pairs(ins: Instruction) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for arg in ins.args:
        key, sep, value = arg.partition("=")
        out[key] = _unquote(value) if sep else None
    return out


def env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    """ENV and LABEL key/value pairs, quotes removed (the parser keeps them)."""
    values = ins.args
    return [(values[i], _unquote(values[i + 1])) for i in range(0, len(values) - 1, 2)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def substitute(text: str, args: Mapping[str, str | None]) -> str | None:
    """Expand `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}` as BuildKit does in FROM; None when a
    variable is required but has no default (the value is only known at build time)."""
    unknown = False

    def expand(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group("braced") or match.group("plain")
        op, word = match.group("op"), match.group("word") or ""
        value = args.get(name)
        if op in (":-", "-"):
            return value if value else word
        if op in (":+", "+"):
            return word if value else ""
        if value is None:
            unknown = True
            return ""
        return value

    out = _VAR.sub(expand, text)
    return None if unknown else out
