"""GitHub Actions workflows (`.github/workflows/*.yml`) as typed documents with line numbers.

Built from the YAML tree the engine loads once per file. The document is read defensively: a key
of the wrong type is treated as absent here (GA001 reports it against the workflow schema), so the
other rules can still judge the rest of a workflow that GitHub would reject.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.yaml_tree import YMap, YSeq

_EMPTY = YMap(1, 1)


@dataclass(frozen=True)
class Text:
    """A string value and where it was written. Block scalars (`run: |`) start on the line after
    their indicator."""

    value: str
    line: int
    block: bool = False

    def line_at(self, offset: int) -> int:
        """The file line of a character offset inside the value."""
        return self.line + (1 if self.block else 0) + self.value.count("\n", 0, max(offset, 0))


@dataclass(eq=False)
class Step:
    index: int
    line: int
    raw: YMap
    id: str | None
    name: str | None
    uses: Text | None
    run: Text | None
    with_: YMap
    inputs: dict[str, Text]  # the string values of `with:`
    env: YMap
    if_: Text | None

    @property
    def label(self) -> str:
        if self.name:
            return f"step `{self.name}`"
        if self.uses:
            return f"step `{self.uses.value}`"
        return f"step {self.index + 1}"

    def input(self, key: str) -> Text | None:
        return self.inputs.get(key)

    def input_is_true(self, key: str) -> bool:
        """`with: {push: true}` (or the string "true")."""
        value = self.with_.get(key)
        return value is True or (isinstance(value, str) and value.strip().lower() == "true")

    @property
    def action(self) -> str:
        """`owner/repo[/path]` of a `uses:` step, lower-cased, without the ref; '' otherwise."""
        if self.uses is None:
            return ""
        return self.uses.value.split("@", 1)[0].strip().lower()


@dataclass(eq=False)
class Job:
    id: str
    line: int
    raw: YMap
    name: str | None
    needs: tuple[str, ...]
    needs_lines: tuple[int, ...]
    uses: Text | None  # a reusable workflow call
    environment: str | None
    environment_line: int | None
    if_: Text | None
    steps: list[Step]
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # facts rules work out once

    @property
    def label(self) -> str:
        return f"job `{self.id}`"

    @property
    def has_permissions(self) -> bool:
        return "permissions" in self.raw

    @property
    def has_timeout(self) -> bool:
        return "timeout-minutes" in self.raw

    @property
    def has_concurrency(self) -> bool:
        return "concurrency" in self.raw

    @property
    def matrix(self) -> YMap:
        strategy = self.raw.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, YMap) else None
        return matrix if isinstance(matrix, YMap) else _EMPTY

    @property
    def with_(self) -> YMap:
        value = self.raw.get("with")
        return value if isinstance(value, YMap) else _EMPTY


@dataclass(eq=False)
class WorkflowDoc:
    tree: YMap
    lines: list[str]
    name: str | None
    triggers: dict[str, Any]  # event name -> its configuration (None when bare)
    on_line: int
    jobs: list[Job]
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def job(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    @property
    def has_permissions(self) -> bool:
        return "permissions" in self.tree

    @property
    def has_concurrency(self) -> bool:
        return "concurrency" in self.tree

    @property
    def jobs_line(self) -> int:
        return self.tree.key_line("jobs") if "jobs" in self.tree else self.tree.line

    def dispatch_inputs(self) -> YMap:
        """Inputs of `workflow_dispatch` (and of `workflow_call`, which callers fill in)."""
        out = YMap(self.on_line, 1)
        for event in ("workflow_dispatch", "workflow_call"):
            config = self.triggers.get(event)
            inputs = config.get("inputs") if isinstance(config, YMap) else None
            if isinstance(inputs, YMap):
                out.update(inputs)
        return out

    def strings(self) -> Iterator[tuple[tuple[Any, ...], Text]]:
        """Every string value with its path from the top (keys and list indexes)."""
        yield from _strings(self.tree, (), self.lines, set())


def parse(source: SourceFile) -> WorkflowDoc | ParseFailure:
    docs = source.yaml
    if isinstance(docs, ParseFailure):
        return docs
    if not docs:
        return ParseFailure("the workflow file is empty: it needs `on` and `jobs`", 1)
    if len(docs) > 1:
        second = docs[1]
        line = second.line if isinstance(second, YMap | YSeq) else None
        return ParseFailure("a workflow file holds one YAML document, this one has several", line)
    tree = docs[0]
    if not isinstance(tree, YMap):
        return ParseFailure("a workflow must be a mapping with `on` and `jobs` keys", 1)
    lines = source.lines
    return WorkflowDoc(
        tree=tree,
        lines=lines,
        name=_str(tree.get("name")),
        triggers=_triggers(tree.get("on")),
        on_line=tree.key_line("on") if "on" in tree else tree.line,
        jobs=_jobs(tree.get("jobs"), lines),
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _triggers(on: Any) -> dict[str, Any]:
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {e: None for e in on if isinstance(e, str)}
    if isinstance(on, YMap):
        return {str(k): v for k, v in on.items()}
    return {}


def _jobs(jobs: Any, lines: list[str]) -> list[Job]:
    if not isinstance(jobs, YMap):
        return []
    out = []
    for job_id, raw in jobs.items():
        if not isinstance(raw, YMap):
            continue
        needs, needs_lines = _needs(raw)
        environment, env_line = _environment(raw)
        out.append(
            Job(
                id=str(job_id),
                line=jobs.key_line(job_id),
                raw=raw,
                name=_str(raw.get("name")),
                needs=needs,
                needs_lines=needs_lines,
                uses=_text(raw, "uses", lines),
                environment=environment,
                environment_line=env_line,
                if_=_text(raw, "if", lines),
                steps=_steps(raw.get("steps"), lines),
            )
        )
    return out


def _needs(raw: YMap) -> tuple[tuple[str, ...], tuple[int, ...]]:
    value = raw.get("needs")
    if isinstance(value, str):
        return (value,), (raw.value_line("needs"),)
    if isinstance(value, YSeq):
        pairs = [(v, value.item_line(i)) for i, v in enumerate(value) if isinstance(v, str)]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    return (), ()


def _environment(raw: YMap) -> tuple[str | None, int | None]:
    value = raw.get("environment")
    if isinstance(value, str):
        return value, raw.value_line("environment")
    if isinstance(value, YMap) and isinstance(value.get("name"), str):
        return value["name"], value.value_line("name")
    return None, None


def _steps(steps: Any, lines: list[str]) -> list[Step]:
    out: list[Step] = []
    _add_steps(steps, lines, out, set())
    return out


def _add_steps(steps: Any, lines: list[str], out: list[Step], seen: set[int]) -> None:
    """The steps of a list in order; the members of a `parallel:` group run like any other step,
    so they join the list where the group is written."""
    if not isinstance(steps, YSeq) or id(steps) in seen:  # an alias may make a group hold itself
        return
    seen.add(id(steps))
    for index, raw in enumerate(steps):
        if not isinstance(raw, YMap):
            continue
        if isinstance(raw.get("parallel"), YSeq) and "run" not in raw and "uses" not in raw:
            _add_steps(raw["parallel"], lines, out, seen)
            continue
        with_ = raw.get("with")
        env = raw.get("env")
        out.append(
            Step(
                index=len(out),
                line=steps.item_line(index),
                raw=raw,
                id=_str(raw.get("id")),
                name=_str(raw.get("name")),
                uses=_text(raw, "uses", lines),
                run=_text(raw, "run", lines),
                with_=with_ if isinstance(with_, YMap) else _EMPTY,
                inputs=_texts(with_, lines),
                env=env if isinstance(env, YMap) else _EMPTY,
                if_=_text(raw, "if", lines),
            )
        )


def _text(raw: YMap, key: str, lines: list[str]) -> Text | None:
    value = raw.get(key)
    if not isinstance(value, str):
        return None
    return Text(value, raw.value_line(key), _block_indicator(raw.value_pos.get(key), lines))


def _texts(raw: Any, lines: list[str]) -> dict[str, Text]:
    if not isinstance(raw, YMap):
        return {}
    return {str(k): t for k in raw if (t := _text(raw, k, lines)) is not None}


def _block_indicator(pos: tuple[int, int] | None, lines: list[str]) -> bool:
    if pos is None or not 0 < pos[0] <= len(lines):
        return False
    text = lines[pos[0] - 1]
    return text[pos[1] - 1 : pos[1]] in ("|", ">")


def _strings(
    node: Any, path: tuple[Any, ...], lines: list[str], seen: set[int]
) -> Iterator[tuple[tuple[Any, ...], Text]]:
    if id(node) in seen:  # aliases share objects (and may even nest themselves)
        return
    if isinstance(node, YMap):
        seen.add(id(node))
        for key, value in node.items():
            text = _text(node, key, lines)
            if text is not None:
                yield (*path, key), text
            else:
                yield from _strings(value, (*path, key), lines, seen)
    elif isinstance(node, YSeq):
        seen.add(id(node))
        for index, value in enumerate(node):
            if isinstance(value, str):
                pos = node.item_pos[index] if index < len(node.item_pos) else None
                yield (*path, index), Text(value, node.item_line(index), _block_indicator(pos, lines))
            else:
                yield from _strings(value, (*path, index), lines, seen)
