"""GitHub Actions action metadata (`action.yml` / `action.yaml`) as a typed document.

Only files that say how the action runs (`runs:` with `using:`) are claimed: other tools name
files `action.yml` too. The steps of a composite action are read exactly as workflow steps are.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.workflow import Step, Text
from opsmith.parse.workflow import _steps as workflow_steps
from opsmith.parse.workflow import _text as text_of
from opsmith.parse.yaml_tree import YMap


@dataclass(eq=False)
class ActionDoc:
    tree: YMap
    runs: YMap
    runs_line: int
    using: Text | None  # `runs.using`: composite, docker, node20...
    steps: list[Step]  # of a composite action
    image: Text | None  # `runs.image` of a Docker action

    @property
    def composite(self) -> bool:
        return self.using is not None and self.using.value.strip().lower() == "composite"


def parse(source: SourceFile) -> ActionDoc | ParseFailure | None:
    docs = source.yaml
    if isinstance(docs, ParseFailure):
        return docs if "runs" in source.text else None  # a broken file is ours if it says how it runs
    if len(docs) != 1 or not isinstance(docs[0], YMap) or "runs" not in docs[0]:
        return None
    tree = docs[0]
    runs = tree["runs"]
    if not isinstance(runs, YMap):
        return ParseFailure("`runs` must be a mapping that says how the action runs", tree.value_line("runs"))
    lines = source.lines
    return ActionDoc(
        tree=tree,
        runs=runs,
        runs_line=tree.key_line("runs"),
        using=text_of(runs, "using", lines),
        steps=workflow_steps(runs.get("steps"), lines),
        image=text_of(runs, "image", lines),
    )
