"""Action metadata rules GA016-GA018: what GA001, GA003/GA013/GA014 and GA007 judge in
workflows, applied to the `action.yml` of an action published from the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

from opsmith.findings import Problem, Severity
from opsmith.parse.action import ActionDoc
from opsmith.parse.workflow import Step
from opsmith.parse.yaml_tree import YMap, YSeq
from opsmith.rules.base import FileContext, Rule, file_rule
from opsmith.rules.workflow import _pin_verdict as pin_verdict
from opsmith.rules.workflow import _suggestion as pin_suggestion
from opsmith.rules.workflow_taint import _carriers as carriers
from opsmith.rules.workflow_taint import sinks, tainted

FAMILY = "action"
_RUNNERS = re.compile(r"^(?:composite|docker|node\d+)$")


@file_rule(
    "GA016",
    "E",
    FAMILY,
    "Action metadata is not valid",
    fix="Correct `action.yml` so GitHub can load the action: `runs.using`, and for a composite "
    "action `runs.steps` whose `run` steps each name a `shell`.",
    docs="""
## What it does
Checks an action's metadata file (`action.yml` or `action.yaml` with a `runs:` section) the way
GitHub reads it when a workflow uses the action: the YAML must load, `runs` must be a mapping
whose `using` is `composite`, `docker` or a Node runtime (`node20`), a composite action needs a
list of `steps`, each step runs either a script (`run`) or an action (`uses`), never both nor
neither, and every `run` step names its `shell` (composite actions have no default shell). The
problem is reported on the line it is about.

## Why it matters
GitHub checks action metadata only when a workflow runs the action, so a mistake here breaks
every repository that uses it, at the moment they use it, with an error that points at their
workflow rather than at this file.

## Example
```yaml
runs:
  using: composite
  steps:
    - run: make audit
```

## Fix
```yaml
runs:
  using: composite
  steps:
    - run: make audit
      shell: bash
```

## Equivalent rules
actionlint reads action metadata only for local actions a workflow uses; check-jsonschema's
`vendor.github-actions` schema checks the structure; zizmor has none.
""",
)
def ga016(doc: ActionDoc, ctx: FileContext) -> Iterator[Problem]:
    using = doc.using
    if using is None:
        yield Problem("`runs` has no `using`: GitHub cannot tell how to run this action", doc.runs_line)
        return
    if not _RUNNERS.match(using.value.strip().lower()):
        yield Problem(
            f"`runs.using: {using.value}` is not `composite`, `docker` or a Node runtime", using.line
        )
        return
    if not doc.composite:
        return
    listed = doc.runs.get("steps")
    if not isinstance(listed, YSeq) or not listed:
        yield Problem("a composite action needs a list of `steps`", using.line)
    for step in doc.steps:
        if (step.run is None) == (step.uses is None):
            yield Problem(f"{step.label} must have exactly one of `run` and `uses`", step.line)
        elif step.run is not None and "shell" not in step.raw:
            yield Problem(
                f"{step.label} runs a script without `shell`: a composite action has no default shell",
                step.line,
            )


@file_rule(
    "GA017",
    "E",
    FAMILY,
    "Action metadata runs an action or image that is not pinned",
    fix="Pin to a full commit SHA and keep the version as a comment: `uses: owner/repo@<sha> # v1.2.3`.",
    docs="""
## What it does
Judges the `uses:` of each step of a composite action, and the `docker://` image of a Docker
action, as GA003, GA013 and GA014 judge them in a workflow: a branch or no ref at all is an
error, a third-party action pinned to a tag (or a short SHA) and an image pinned by tag without a
digest are warnings, and an action of GitHub's own (`actions/`, `github/`) pinned to a release tag
is info. Local actions (`./path`) are part of the same commit and are fine. The owners listed in
`[workflow] trusted-owners` may use tags here too.

## Why it matters
Every repository that uses this action runs what its steps reference, with its own secrets and
token. A branch or a tag can be moved to other code by whoever controls that repository, so an
unpinned reference here makes every user of the action trust a third party they never chose, and
they cannot pin it away from their side: pinning this action by SHA does not pin what it uses.

## Example
```yaml
runs:
  using: composite
  steps:
    - uses: actions/setup-python@v5
    - uses: some-org/setup-tool@main
```

## Fix
```yaml
    - uses: actions/setup-python@<40-character sha> # v5.x.y
    - uses: some-org/setup-tool@<40-character sha> # v2.1.0
```

## Equivalent rules
zizmor `unpinned-uses` (it reads composite actions too); OpenSSF Scorecard "Pinned-Dependencies".
""",
)
def ga017(doc: ActionDoc, ctx: FileContext) -> Iterator[Problem]:
    owners = ctx.setting("workflow.trusted-owners", []) or []
    trusted = tuple(f"{str(o).lower().strip('/')}/" for o in owners)
    refs = [step.uses for step in doc.steps if step.uses is not None]
    if doc.image is not None and doc.image.value.strip().startswith("docker://"):
        refs.append(doc.image)  # `Dockerfile` (built from this repository) needs no pin
    for uses in refs:
        verdict = pin_verdict(uses.value, trusted)
        if verdict is None:
            continue
        kind, message = verdict
        ceiling = {"tag": Severity.WARNING, "first-party": Severity.INFO}.get(kind)
        yield Problem(message, uses.line_at(0), fix=pin_suggestion(uses.value), at_most=ceiling)


@file_rule(
    "GA018",
    "E",
    FAMILY,
    "Expression expanded into a composite action's script",
    applies_to="everywhere",
    fix="Pass the value through the step's `env:` (`PATHS: ${{ inputs.paths }}`) and use "
    '`"$PATHS"` in the script.',
    docs="""
## What it does
Reports `${{ }}` expressions pasted into the script of a composite action's step (`run:`, and the
inputs of well-known actions that run their value as code, as in GA007) when the value comes from
the action's own `inputs`, from text outsiders write (`github.event.issue.title`,
`github.head_ref`... as in GA007), or from an `env` value of the step set from either. Untrusted
event text is an error; an input is a warning, because its danger depends on what the calling
workflow passes.

## Why it matters
GitHub pastes the expression's text into the script before the shell runs it. An action cannot
know what its callers pass: a workflow that hands it a pull request title or a branch name turns
that text into commands running with the caller's secrets and token. Read through an environment
variable, the same value is only ever data.

## Example
```yaml
inputs:
  paths: {default: "."}
runs:
  using: composite
  steps:
    - run: opsmith audit ${{ inputs.paths }}
      shell: bash
```

## Fix
```yaml
    - run: opsmith audit "$PATHS"
      shell: bash
      env:
        PATHS: ${{ inputs.paths }}
```

## Equivalent rules
zizmor `template-injection` (it reads composite actions too); actionlint does not read action
metadata on its own.
""",
)
def ga018(doc: ActionDoc, ctx: FileContext) -> Iterator[Problem]:
    for step in doc.steps:
        for sink, where in sinks(step):
            for offset, source in carriers(sink.value, partial(_source, step=step)):
                line = sink.line_at(offset)
                fix = _through_env(source)
                if "github." in source:
                    message = f"`{source}` is expanded into {where}: whoever writes it can run commands here"
                    yield Problem(message, line, fix=fix)
                else:
                    message = (
                        f"`{source}` is expanded into {where}: whatever a calling workflow passes, "
                        "a pull request title included, runs as commands here"
                    )
                    yield Problem(message, line, fix=fix, at_most=Severity.WARNING)


def _through_env(source: str) -> str:
    """The fix for one source: its own variable name, or the one already set in `env:`."""
    if source.startswith("env."):
        name = source[4:].split(" ", 1)[0]
        return f'Use `"${name}"` in the script instead of `${{{{ env.{name} }}}}`.'
    name = re.sub(r"\W", "_", source.rsplit(".", 1)[-1]).upper()
    return f'Set `{name}: ${{{{ {source} }}}}` in the step\'s `env:` and use `"${name}"` in the script.'


def _source(path: tuple[str, ...], step: Step) -> str | None:
    """What a context path carries into a script: event text outsiders write, an input of the
    action, or a step `env` value set from one of those."""
    direct = _direct(path)
    if direct is not None or path[0] != "env" or len(path) != 2:
        return direct
    env: YMap = step.env
    key = next((k for k in env if str(k).lower() == path[1]), None)
    value = env.get(key) if key is not None else None
    if not isinstance(value, str):
        return None
    found = next(carriers(value, _direct), None)
    return f"env.{key} (set from {found[1]})" if found else None


def _direct(path: tuple[str, ...]) -> str | None:
    if path[0] == "inputs" and len(path) > 1:
        return ".".join(path[:2])
    return tainted(path, frozenset())


RULES: tuple[Rule[ActionDoc], ...] = (ga016, ga017, ga018)
