"""Where text that outsiders write reaches code in a workflow (GA007): which expressions carry it,
directly or through `env:` and `matrix` values built from it, and which step inputs run their value
as code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from opsmith.parse.workflow import Job, Step, Text, WorkflowDoc
from opsmith.parse.workflow_expr import ExpressionError, find_expressions, parse_expression, value_sources
from opsmith.parse.yaml_tree import YMap, YSeq

# Inputs of well-known actions that run their value as a script, a command line or a template
# that can call code; their value is a script as much as `run:` is.
CODE_INPUTS: dict[str, frozenset[str]] = {
    "actions/github-script": frozenset({"script"}),
    "amadevus/pwsh-script": frozenset({"script"}),
    "appleboy/ssh-action": frozenset({"script"}),
    "azure/cli": frozenset({"inlinescript"}),
    "azure/powershell": frozenset({"inlinescript"}),
    "mikefarah/yq": frozenset({"cmd"}),
    "sergeysova/jq-action": frozenset({"cmd"}),
    "tibdex/backport": frozenset({"title_template", "body_template", "head_template", "labels_template"}),
}

_UNTRUSTED = re.compile(
    r"^github\.(?:head_ref"
    r"|event\.(?:issue|pull_request|discussion)\.(?:title|body)"
    r"|event\.(?:comment|review|review_comment)\.body"
    r"|event\.pull_request\.head\.(?:ref|label|repo\.default_branch)"
    r"|event\.(?:head_commit|workflow_run\.head_commit)\.(?:message|author\.(?:name|email)|committer\.(?:name|email))"
    r"|event\.commits\.\*\.(?:message|author\.(?:name|email)|committer\.(?:name|email))"
    r"|event\.workflow_run\.(?:head_branch|display_title|pull_requests\.\*\.head\.ref)"
    r"|event\.pages\.\*\.page_name)$"
)
# Whole objects that contain untrusted text (`toJSON(github.event.pull_request)`).
_UNTRUSTED_PARENTS = frozenset(
    {
        "github",
        "github.event",
        "github.event.issue",
        "github.event.pull_request",
        "github.event.comment",
        "github.event.review",
        "github.event.review_comment",
        "github.event.discussion",
        "github.event.head_commit",
        "github.event.commits",
        "github.event.workflow_run",
    }
)


# The name of the branch or tag a run is for. On these events whoever pushes, creates, releases or
# dispatches chooses it, and a ref name may hold `$(...)`, `;` or backquotes; elsewhere GitHub sets
# it (`refs/pull/N/merge` on pull requests, the default branch on comments and `workflow_run`).
_REF_NAMES = frozenset({"github.ref", "github.ref_name", "github.event.ref"})
_PUSHER_EVENTS = frozenset({"push", "create", "release", "workflow_dispatch"})


@dataclass(frozen=True)
class Injection:
    step: Step
    sink: Text  # the script or code input the text is pasted into
    where: str  # how to name that sink in a message
    offset: int  # of the expression inside the sink
    source: str  # what carries the text: `github.event.issue.title`, `env.TITLE (set from ...)`
    insider: bool = False  # written by someone with write access (a pushed ref's name), not outsiders


def injections(doc: WorkflowDoc) -> Iterator[Injection]:
    dispatch = free_text_inputs(doc)
    pushed = bool(_PUSHER_EVENTS & set(doc.triggers))
    for job in doc.jobs:
        for step in job.steps:
            scope = _Scope(doc, job, step, dispatch)
            for sink, where in sinks(step):
                for offset, source in scope.untrusted(sink.value):
                    yield Injection(step, sink, where, offset, source)
                if pushed:
                    named = _carriers(
                        sink.value, lambda path: ".".join(path) if ".".join(path) in _REF_NAMES else None
                    )
                    for offset, source in named:
                        yield Injection(step, sink, where, offset, source, insider=True)


def sinks(step: Step) -> Iterator[tuple[Text, str]]:
    """The values of a step that are run as code, with how to name each."""
    if step.run is not None:
        yield step.run, f"the script of {step.label}"
    code = CODE_INPUTS.get("/".join(step.action.split("/")[:2]))
    if code is None:
        return
    for key, text in step.inputs.items():
        if key.lower() in code:
            yield text, f"input `{key}` of {step.label}, which runs it as code"


# Input types that cannot carry a payload: GitHub refuses any value but a boolean, a number, one of
# the listed options, or an environment's name.
_CLOSED_INPUT_TYPES = frozenset({"boolean", "choice", "number", "environment"})


def free_text_inputs(doc: WorkflowDoc) -> frozenset[str]:
    """The `workflow_dispatch` inputs (lower-cased) that take any text."""
    if "workflow_dispatch" not in doc.triggers:
        return frozenset()
    return frozenset(
        str(name).lower()
        for name, spec in doc.dispatch_inputs().items()
        if not (isinstance(spec, dict) and str(spec.get("type", "string")).lower() in _CLOSED_INPUT_TYPES)
    )


def tainted(path: tuple[str, ...], dispatch: frozenset[str]) -> str | None:
    """The dotted name of a context path whose text outsiders write, None for other paths;
    `dispatch` names the free-text `workflow_dispatch` inputs."""
    dotted = ".".join(path)
    if path[0] == "inputs" and len(path) > 1:
        return dotted if path[1].lower() in dispatch else None
    if path[0] != "github":
        return None
    if dotted.startswith("github.event.inputs."):
        return dotted if len(path) > 3 and path[3].lower() in dispatch else None
    if _UNTRUSTED.match(dotted):
        return dotted
    return dotted if dotted in _UNTRUSTED_PARENTS else None


def _carriers(text: str, name_of: Callable[[tuple[str, ...]], str | None]) -> Iterator[tuple[int, str]]:
    """(offset, name) of each expression in `text` whose value comes from a path `name_of` names."""
    for expr in find_expressions(text):
        if not expr.closed:
            continue
        try:
            node = parse_expression(expr.inner)
        except ExpressionError:
            continue
        name = next((n for ref in value_sources(node) if (n := name_of(ref.path))), None)
        if name:
            yield expr.start, name


def _direct(text: Any, dispatch: frozenset[str]) -> str | None:
    """The untrusted source a value written in the workflow expands, if any."""
    if not isinstance(text, str):
        return None
    found = next(_carriers(text, lambda path: tainted(path, dispatch)), None)
    return found[1] if found else None


@dataclass(frozen=True)
class _Scope:
    """What `env.X` and `matrix.X` hold for one step."""

    doc: WorkflowDoc
    job: Job
    step: Step
    dispatch: frozenset[str]

    def untrusted(self, text: str) -> Iterator[tuple[int, str]]:
        return _carriers(text, lambda path: tainted(path, self.dispatch) or self._indirect(path))

    def _indirect(self, path: tuple[str, ...]) -> str | None:
        if path[0] == "env" and len(path) == 2:
            return self._from_env(path[1])
        if path[0] == "matrix" and len(path) >= 2:
            return self._from_matrix(path[1])
        return None

    def _from_env(self, name: str) -> str | None:
        # The nearest definition wins: step, then job, then workflow.
        for env in (self.step.env, self.job.raw.get("env"), self.doc.tree.get("env")):
            if not isinstance(env, YMap):
                continue
            key = next((k for k in env if str(k).lower() == name), None)
            if key is None:
                continue
            source = _direct(env[key], self.dispatch)
            return f"env.{key} (set from {source})" if source else None
        return None

    def _from_matrix(self, name: str) -> str | None:
        strategy = self.job.raw.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, YMap) else None
        if isinstance(matrix, str):  # the whole matrix is computed
            source = _direct(matrix, self.dispatch)
            return f"matrix.{name} (the matrix is built from {source})" if source else None
        if not isinstance(matrix, YMap):
            return None
        values: list[Any] = [v for k, v in matrix.items() if str(k).lower() == name]
        for entry in _items(matrix.get("include")):
            if isinstance(entry, YMap):
                values += [v for k, v in entry.items() if str(k).lower() == name]
        for text in (t for value in values for t in _texts(value)):
            source = _direct(text, self.dispatch)
            if source:
                return f"matrix.{name} (built from {source})"
        return None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, YSeq) else []


def _texts(value: Any) -> Iterator[str]:
    """The strings of a matrix value (a string, or a list of strings)."""
    if isinstance(value, str):
        yield value
    for item in _items(value):
        if isinstance(item, str):
            yield item
