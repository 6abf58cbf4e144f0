"""Compose files read the way `docker compose` reads them: YAML (1.2 booleans), variable
interpolation, then validation against the Compose Specification JSON schema.

The document keeps every service in typed form with the 1-based line of each thing a rule may
report. Values are kept as written (before interpolation): `expand()` applies the defaults of
`${VAR:-default}` where a rule needs the value Compose would use when nothing is set.

Whatever `docker compose config` would refuse (a schema violation, a key written twice, a broken
`${...}`) is collected in `ComposeDoc.problems` for DC010; the rest of the document is still built
so that other rules can judge it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from opsmith.audit.source import SourceFile
from opsmith.findings import Severity
from opsmith.parse import json_schema
from opsmith.parse.errors import ParseFailure
from opsmith.parse.shell import commands
from opsmith.parse.yaml_tree import YMap, YSeq

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

T = TypeVar("T")
SCHEMA_FILE = "compose-spec.json"
MAX_SCHEMA_PROBLEMS = 50

# ---------------------------------------------------------------------------------------------
# Interpolation (https://docs.docker.com/reference/compose-file/interpolation/)

UNKNOWN = "\uffff"  # stands for the value of a variable nobody set, in expand(..., partial=True)
_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_BRACED = re.compile(r"([_A-Za-z][_A-Za-z0-9]*)(?:(:?[-+?])(.*))?", re.DOTALL)
_HAS_VAR = re.compile(r"\$(?:\{|[_A-Za-z])")


class InterpolationError(ValueError):
    """`${...}` that Compose refuses ("invalid template")."""


class _Unset(Exception):
    """A variable with no default was needed."""


def expand(text: str, *, partial: bool = False) -> str | None:
    """`text` as Compose would interpolate it with no variable set: `${VAR:-default}` and
    `${VAR-default}` give their default, `${VAR:+alt}` nothing, `$$` a dollar sign. A variable
    with no default (`$VAR`, `${VAR}`, `${VAR:?msg}`) makes the result None, or becomes UNKNOWN
    when `partial`. None too when the template is invalid."""
    try:
        return _Expander("partial" if partial else "strict").run(text)
    except (_Unset, InterpolationError):
        return None


def without_variables(text: str) -> str:
    """`text` with every variable reference, defaults and all, replaced by `${_}`: what is
    written literally in the value whatever the environment holds."""
    try:
        return _Expander("mask").run(text)
    except InterpolationError:
        return text


def interpolation_error(text: str) -> str | None:
    try:
        _Expander("partial").run(text)
    except InterpolationError as exc:
        return str(exc)
    return None


def has_interpolation(text: str) -> bool:
    """Whether Compose substitutes anything in `text` (`$$` is only an escaped dollar)."""
    return bool(_HAS_VAR.search(text.replace("$$", "")))


class _Expander:
    """mode: "strict" (an unset variable raises _Unset), "partial" (it becomes UNKNOWN), "mask"
    (every reference becomes `${_}`, defaults ignored)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def run(self, text: str) -> str:
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            if text[i] != "$" or i + 1 == n:
                out.append(text[i])
                i += 1
                continue
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$$" if self.mode == "mask" else "$")
                i += 2
            elif nxt == "{":
                end = _closing_brace(text, i + 2)
                if end < 0:
                    raise InterpolationError(f"`{text[i:][:40]}` has no closing brace")
                out.append(self.braced(text[i + 2 : end]))
                i = end + 1
            elif (match := _NAME.match(text, i + 1)) is not None:
                out.append(self.unset())
                i = match.end()
            else:
                out.append("$")
                i += 1
        return "".join(out)

    def unset(self) -> str:
        if self.mode == "strict":
            raise _Unset
        return "${_}" if self.mode == "mask" else UNKNOWN

    def braced(self, inner: str) -> str:
        match = _BRACED.fullmatch(inner)
        if match is None:
            raise InterpolationError(f"`${{{inner}}}` is not a valid variable reference")
        _name, op, word = match.groups()
        if op is not None:
            nested = _Expander("partial").run(word)  # defaults and messages must be valid too
            if self.mode != "mask" and op in ("-", ":-"):
                return self.run(word) if self.mode == "strict" else nested
            if self.mode != "mask" and op in ("+", ":+"):
                return ""
        return self.unset()


def _closing_brace(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


# ---------------------------------------------------------------------------------------------
# The document


@dataclass(frozen=True)
class Value:
    """A scalar as written in the file (booleans as `true`/`false`), with its line."""

    text: str
    line: int

    def truthy(self) -> bool:
        """A boolean option that is on (interpolation defaults applied)."""
        return (expand(self.text) or "").strip().lower() in ("true", "1", "yes", "on")


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None  # None: passed through from the host environment (`- NAME` or `NAME:`)
    line: int


@dataclass(frozen=True)
class Build:
    line: int
    context: str  # as written; "." when the short form or `context` is absent
    dockerfile: str | None  # as written, relative to the context
    inline: str | None  # `dockerfile_inline`
    target: str | None
    args: tuple[EnvVar, ...] = ()


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str  # service_started (the short list form), service_healthy, ...
    line: int
    explicit: bool = False  # `condition:` written out, not implied by the short form


@dataclass(frozen=True)
class Port:
    """One published port. `host_ip` None means no address was given: all interfaces."""

    line: int
    raw: str
    host_ip: str | None
    published: str | None
    target: str | None  # a port or range, interpolation applied (UNKNOWN for an unset variable)


@dataclass(frozen=True)
class Mount:
    line: int
    type: str  # bind | volume | tmpfs | npipe | cluster | image
    source: str | None  # interpolation applied (partially); None for an anonymous volume or tmpfs
    target: str | None


@dataclass(frozen=True)
class Healthcheck:
    line: int
    disabled: bool  # `disable: true` or `test: ["NONE"]`
    has_test: bool


@dataclass(frozen=True)
class Extends:
    service: str
    file: str | None
    line: int


@dataclass
class Service:
    name: str
    line: int
    image: Value | None = None
    build: Build | None = None
    extends: Extends | None = None
    environment: tuple[EnvVar, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    ports: tuple[Port, ...] = ()
    volumes: tuple[Mount, ...] = ()
    tmpfs: tuple[Value, ...] = ()
    volumes_from: bool = False
    healthcheck: Healthcheck | None = None
    restart: Value | None = None
    restart_policy: Value | None = None  # deploy.restart_policy (its `condition`, or the block)
    memory_limit: Value | None = None  # mem_limit or deploy.resources.limits.memory
    cpu_limit: Value | None = None  # cpus, cpu_quota or deploy.resources.limits.cpus
    command: tuple[str, ...] | None = None  # words; a string command split the shell way
    entrypoint: tuple[str, ...] | None = None
    options: dict[str, Value] = field(default_factory=dict)  # privileged, network_mode, pid, ...
    cap_add: tuple[Value, ...] = ()

    @property
    def complete(self) -> bool:
        """Says what to run (an image, a build or a service it extends), not only overrides."""
        return self.image is not None or self.build is not None or self.extends is not None


@dataclass(frozen=True)
class Problem:
    message: str
    line: int


@dataclass
class ComposeDoc:
    services: list[Service]  # of every YAML document in the file, in order
    problems: list[Problem]  # what `docker compose config` refuses (DC010)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)


_SINGLE_OPTIONS = ("privileged", "network_mode", "pid", "ipc", "use_api_socket", "pull_policy")


def parse(source: SourceFile) -> ComposeDoc | ParseFailure:
    loaded = source.yaml
    if isinstance(loaded, ParseFailure):
        return loaded
    documents = [d for d in loaded if d is not None]
    if not documents:
        # a placeholder layer (only comments) merges cleanly with the files loaded beside it
        return ParseFailure(
            "the compose file defines nothing (it is empty or only comments): fine as an extra layer "
            "given with other files, but Compose has nothing to run when it is used alone",
            1,
            at_most=Severity.INFO,
        )
    problems: list[Problem] = []
    services: list[Service] = []
    for document in documents:
        if not isinstance(document, YMap):
            line = document.line if isinstance(document, YSeq) else 1
            return ParseFailure("a compose file must be a mapping of top-level keys (services: ...)", line)
        problems.extend(_structural_problems(document))
        problems.extend(schema_problems(document))
        services.extend(_services(document))
    return ComposeDoc(services, sorted(set(problems), key=lambda p: (p.line, p.message)))


def _structural_problems(document: YMap) -> Iterator[Problem]:
    """Duplicate keys (refused by Compose's YAML reader) and broken `${...}` templates."""
    for node, line in _walk(document, document.line):
        if isinstance(node, YMap):
            for key, key_line in node.duplicate_keys:
                yield Problem(f"key `{key}` is written twice in the same mapping", key_line)
        elif isinstance(node, str) and "$" in node:
            error = interpolation_error(node)
            if error:
                yield Problem(f"invalid interpolation: {error}", line)


def _walk(node: Any, line: int) -> Iterator[tuple[Any, int]]:
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(node, line)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, (YMap, YSeq)):
            if id(item) in seen:
                continue
            seen.add(id(item))
        yield item, where
        if isinstance(item, YMap):
            stack.extend((v, item.value_line(k)) for k, v in item.items())
        elif isinstance(item, YSeq):
            stack.extend((v, item.item_line(i)) for i, v in enumerate(item))


# ---------------------------------------------------------------------------------------------
# Services


def _services(document: YMap) -> Iterator[Service]:
    services = document.get("services")
    if not isinstance(services, YMap):
        return
    for name, body in services.items():
        if isinstance(body, YMap):
            yield _service(str(name), services.key_line(name), body)


def _service(name: str, line: int, body: YMap) -> Service:
    svc = Service(name, line)
    svc.image = _value(body, "image")
    svc.build = _build(body)
    svc.extends = _extends(body)
    svc.environment = tuple(env_entries(body, "environment"))
    svc.depends_on = tuple(_depends_on(body))
    svc.ports = tuple(_ports(body))
    svc.volumes = tuple(_mounts(body))
    svc.tmpfs = tuple(_string_or_list(body, "tmpfs"))
    svc.volumes_from = bool(body.get("volumes_from"))
    svc.healthcheck = _healthcheck(body)
    svc.restart = _value(body, "restart")
    deploy = body.get("deploy")
    deploy = deploy if isinstance(deploy, YMap) else YMap(line, 1)
    policy = deploy.get("restart_policy")
    if isinstance(policy, YMap):
        svc.restart_policy = _value(policy, "condition") or Value("any", deploy.key_line("restart_policy"))
    resources = deploy.get("resources")
    limits = resources.get("limits") if isinstance(resources, YMap) else None
    limits = limits if isinstance(limits, YMap) else YMap(line, 1)
    svc.memory_limit = _value(body, "mem_limit") or _value(limits, "memory")
    svc.cpu_limit = _value(body, "cpus") or _value(body, "cpu_quota") or _value(limits, "cpus")
    svc.command = _words(body.get("command"))
    svc.entrypoint = _words(body.get("entrypoint"))
    svc.options = {key: v for key in _SINGLE_OPTIONS if (v := _value(body, key)) is not None}
    svc.cap_add = tuple(_string_or_list(body, "cap_add"))
    return svc


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return None


def _value(node: YMap, key: str) -> Value | None:
    text = _scalar_text(node.get(key))
    return Value(text, node.value_line(key)) if text is not None else None


def _string_or_list(node: YMap, key: str) -> Iterator[Value]:
    raw = node.get(key)
    if isinstance(raw, YSeq):
        for i, item in enumerate(raw):
            text = _scalar_text(item)
            if text is not None:
                yield Value(text, raw.item_line(i))
    elif (value := _value(node, key)) is not None:
        yield value


def env_entries(node: YMap, key: str) -> Iterator[EnvVar]:
    """`environment` (or build `args`) in map form or `KEY=value` list form."""
    raw = node.get(key)
    if isinstance(raw, YMap):
        for name, value in raw.items():
            yield EnvVar(str(name), _scalar_text(value), raw.value_line(name))
    elif isinstance(raw, YSeq):
        for i, item in enumerate(raw):
            text = _scalar_text(item)
            if text is None:
                continue
            name, sep, value = text.partition("=")
            yield EnvVar(name.strip(), value if sep else None, raw.item_line(i))


def _build(body: YMap) -> Build | None:
    raw = body.get("build")
    line = body.value_line("build")
    if isinstance(raw, str):
        return Build(line, raw, None, None, None)
    if not isinstance(raw, YMap):
        return None
    return Build(
        line,
        _scalar_text(raw.get("context")) or ".",
        _scalar_text(raw.get("dockerfile")),
        _scalar_text(raw.get("dockerfile_inline")),
        _scalar_text(raw.get("target")),
        tuple(env_entries(raw, "args")),
    )


def _extends(body: YMap) -> Extends | None:
    raw = body.get("extends")
    line = body.value_line("extends")
    if isinstance(raw, str):
        return Extends(raw, None, line)
    if isinstance(raw, YMap) and isinstance(raw.get("service"), str):
        return Extends(raw["service"], _scalar_text(raw.get("file")), line)
    return None


def _depends_on(body: YMap) -> Iterator[Dependency]:
    raw = body.get("depends_on")
    if isinstance(raw, YSeq):
        for i, item in enumerate(raw):
            if isinstance(item, str):
                yield Dependency(item, "service_started", raw.item_line(i))
    elif isinstance(raw, YMap):
        for name, spec in raw.items():
            condition = spec.get("condition") if isinstance(spec, YMap) else None
            yield Dependency(
                str(name),
                condition if isinstance(condition, str) else "service_started",
                raw.key_line(name),
                explicit=isinstance(condition, str),
            )


def _ports(body: YMap) -> Iterator[Port]:
    return _each(body, "ports", _long_port, short_port)


def _each(
    body: YMap, key: str, long: Callable[[YMap, int], T], short: Callable[[str, int], T]
) -> Iterator[T]:
    """The items of a list written in the long (mapping) or the short (string) syntax."""
    raw = body.get(key)
    if not isinstance(raw, YSeq):
        return
    for i, item in enumerate(raw):
        line = raw.item_line(i)
        if isinstance(item, YMap):
            yield long(item, line)
        elif (text := _scalar_text(item)) is not None:
            yield short(text, line)


def short_port(text: str, line: int) -> Port:
    """`[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, split the way Docker splits it."""
    spec = (expand(text, partial=True) or text).partition("/")[0]
    parts = spec.split(":")
    target = parts[-1]
    published = parts[-2] if len(parts) > 1 else None
    host_ip = ":".join(parts[:-2]) if len(parts) > 2 else None
    if host_ip is not None:
        host_ip = host_ip.strip("[]")
    return Port(line, text, host_ip, published, target)


def _long_port(item: YMap, line: int) -> Port:
    def get(key: str) -> str | None:
        text = _scalar_text(item.get(key))
        return None if text is None else expand(text, partial=True)

    host_ip, published, target = get("host_ip"), get("published"), get("target")
    written = ":".join(p for p in (host_ip, published, target) if p)  # as the short syntax says it
    return Port(line, written, host_ip or None, published, target)


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _mounts(body: YMap) -> Iterator[Mount]:
    return _each(body, "volumes", _long_mount, short_mount)


def _long_mount(item: YMap, line: int) -> Mount:
    source = _scalar_text(item.get("source"))
    target = _scalar_text(item.get("target"))
    return Mount(
        line,
        _scalar_text(item.get("type")) or "volume",
        expand(source, partial=True) if source else None,
        expand(target, partial=True) if target else None,
    )


def short_mount(text: str, line: int) -> Mount:
    """`[SOURCE:]TARGET[:MODE]`; a source that is a path makes a bind mount, a name a volume."""
    spec = expand(text, partial=True) or text
    drive = ""
    if _DRIVE.match(spec):
        drive, spec = spec[:2], spec[2:]
    parts = spec.split(":")
    if len(parts) == 1:
        return Mount(line, "volume", None, drive + parts[0])
    source, target = drive + parts[0], parts[1]
    if _DRIVE.match(target + "/") and len(parts) > 2:  # C:\src:D:\dst
        target = f"{parts[1]}:{parts[2]}"
    return Mount(line, "bind" if is_path_source(source) else "volume", source, target)


def is_path_source(source: str) -> bool:
    return source.startswith(("/", ".", "~", "\\", UNKNOWN)) or bool(_DRIVE.match(source))


def _healthcheck(body: YMap) -> Healthcheck | None:
    raw = body.get("healthcheck")
    if not isinstance(raw, YMap):
        return None
    line = body.key_line("healthcheck")
    disable = raw.get("disable")
    disabled = disable is True or (isinstance(disable, str) and (expand(disable) or "").lower() == "true")
    test = raw.get("test")
    if isinstance(test, YSeq):
        first = str(test[0]).upper() if test else ""
        return Healthcheck(line, disabled or first == "NONE", first not in ("", "NONE"))
    if isinstance(test, str):
        return Healthcheck(line, disabled or test.strip().upper() == "NONE", bool(test.strip()))
    return Healthcheck(line, disabled, False)


def _words(raw: Any) -> tuple[str, ...] | None:
    if isinstance(raw, YSeq):
        return tuple(t for item in raw if (t := _scalar_text(item)) is not None)
    if isinstance(raw, str):
        parsed = commands(raw)
        if parsed is None:
            return tuple(raw.split())
        return tuple(word for cmd in parsed for word in cmd.words)
    return None


# ---------------------------------------------------------------------------------------------
# The Compose Specification schema (vendored in opsmith/data/schemas, see the README there)


def schema_problems(document: YMap) -> list[Problem]:
    """Where the document breaks the Compose Specification, each at the line of the offending
    key or value. Errors that interpolation would resolve (`required: ${FLAG}` where a boolean is
    expected) are not reported: Compose interpolates before it validates."""
    out: list[Problem] = []
    for error in json_schema.iter_errors(SCHEMA_FILE, _plain(document)):
        if _excused(error):
            continue
        for leaf in _fitting(error):
            if leaf.validator in ("additionalProperties", "unevaluatedProperties"):
                out.extend(_unknown_keys(document, leaf))
                continue
            path = list(leaf.absolute_path)
            where = f"`{json_schema.dotted(path)}`" if path else "the file"
            out.append(Problem(f"{where} {_describe(leaf)}", _line_at(document, path)))
        if len(out) >= MAX_SCHEMA_PROBLEMS:
            break
    return out


def _fitting(error: ValidationError) -> list[ValidationError]:
    """The errors to show for a value that matches none of a `oneOf`'s forms: those of the form
    whose type fits the value (a mapping with a misspelt key, not "it is not a string")."""
    depth = len(error.absolute_path)
    fits = [
        subs
        for subs in _forms(error)
        if not any(s.validator == "type" and len(s.absolute_path) == depth for s in subs)
    ]
    if not fits:
        return [error]
    return [leaf for sub in min(fits, key=len) for leaf in _fitting(sub)]


def _forms(error: ValidationError) -> list[list[ValidationError]]:
    """The errors of each alternative of a failed `oneOf`/`anyOf` (none for other errors)."""
    if error.validator not in ("oneOf", "anyOf"):
        return []
    forms: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        forms.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(forms.values())


def _plain(node: Any) -> Any:
    """JSON data for the validator: string keys, dates as text (shared aliases stay shared)."""
    memo: dict[int, Any] = {}

    def convert(item: Any) -> Any:
        if isinstance(item, (date, datetime)):
            return item.isoformat()
        if not isinstance(item, (YMap, YSeq)):
            return item
        if id(item) not in memo:
            if isinstance(item, YMap):
                memo[id(item)] = {_key_text(k): convert(v) for k, v in item.items()}
            else:
                memo[id(item)] = [convert(v) for v in item]
        return memo[id(item)]

    return convert(node)


def _key_text(key: Any) -> str:
    return "null" if key is None else (_scalar_text(key) or str(key))


_VALUE_CHECKS = frozenset(
    {"type", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "multipleOf"}
)


def _excused(error: ValidationError) -> bool:
    """True when every reason for the error is a `${...}` value Compose would interpolate first."""
    if error.validator in ("oneOf", "anyOf"):
        return any(all(_excused(sub) for sub in subs) for subs in _forms(error))
    return (
        error.validator in _VALUE_CHECKS
        and isinstance(error.instance, str)
        and has_interpolation(error.instance)
    )


_NAMED_SECTIONS = frozenset({"services", "networks", "volumes", "secrets", "configs", "models"})


def _unknown_keys(document: YMap, error: ValidationError) -> Iterator[Problem]:
    """Keys the schema does not allow. `unevaluatedProperties` also names keys that are only
    "unevaluated" because their own value failed: those are reported on their own already."""
    path = list(error.absolute_path)
    node = _node_at(document, path)
    if not isinstance(node, YMap) or not isinstance(error.schema, dict):
        return
    import difflib

    names, patterns = _declared(error.schema)
    where = f"in `{json_schema.dotted(path)}`" if path else "at the top level"
    for key in node:
        text = _key_text(key)
        if text in names or any(re.search(p, text) for p in patterns):
            continue
        if len(path) == 1 and path[0] in _NAMED_SECTIONS:
            message = f"`{text}` is not a valid name {where} (letters, digits, `.`, `_`, `-`)"
        else:
            hint = difflib.get_close_matches(text, sorted(names), n=1)
            message = f"unknown key `{text}` {where}" + (f" (did you mean `{hint[0]}`?)" if hint else "")
        yield Problem(message, node.key_line(key))


def _declared(schema: dict[str, Any]) -> tuple[set[str], list[str]]:
    """Property names and patterns a schema declares, through its `allOf` parts."""
    names: set[str] = set(schema.get("properties", {}))
    patterns: list[str] = list(schema.get("patternProperties", {}))
    for sub in schema.get("allOf", []):
        sub_names, sub_patterns = _declared(_resolve(sub))
        names |= sub_names
        patterns += sub_patterns
    return names, patterns


def _resolve(sub: dict[str, Any]) -> dict[str, Any]:
    ref = sub.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/")):
        return sub
    node: Any = json_schema.validator(SCHEMA_FILE).schema
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}
_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer"}


def _describe(error: ValidationError) -> str:
    wanted = error.validator_value
    names = wanted if isinstance(wanted, list) else [wanted]
    if error.validator == "type":
        found = _JSON_TYPES.get(type(error.instance), "null")
        wanted_words = " or ".join(_TYPE_NAMES.get(str(n), f"a {n}") for n in names)
        return f"must be {wanted_words}, not {_TYPE_NAMES.get(found, f'a {found}')}"
    if error.validator == "enum":
        return f"must be one of {', '.join(f'`{o}`' for o in names)}"
    if error.validator in ("oneOf", "anyOf"):
        return "has a value that matches none of the forms Compose accepts"
    return f"is invalid: {error.message[:160]}"


def _node_at(document: YMap, path: Sequence[Any]) -> Any:
    node: Any = document
    for part in path:
        if isinstance(node, YMap):
            node = next((v for k, v in node.items() if _key_text(k) == part), None)
        elif isinstance(node, YSeq) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _line_at(document: YMap, path: Sequence[Any]) -> int:
    """The line of what `path` points at (as deep as the document goes)."""
    return json_schema.line_of(document, path)
