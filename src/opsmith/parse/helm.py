"""Helm charts: audited as `helm template` renders them with their default values.

Templates are Go templates, not YAML, so they are never parsed on their own. When helm is installed
each chart (subcharts render with their parent) is rendered offline and its objects are attributed
to the template they come from (helm's `# Source:` comments); a template's lines do not map onto the
rendered text, so those findings carry no line. Without helm, or when the chart does not render (a
missing dependency, a value the chart requires), an info note (KU018) says its templates were not
audited.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from opsmith.parse.errors import ParseFailure
from opsmith.parse.kubernetes import Chart, KubeDoc, KubeObject, RenderNote, objects_in
from opsmith.parse.kubernetes_crd import without_schema_bodies
from opsmith.parse.yaml_tree import load_documents

if TYPE_CHECKING:
    from opsmith.context import RepoContext

RENDER_TIMEOUT = 120
_SOURCE = re.compile(r"^# Source: (\S+)\s*$")


def rendered_documents(repo: RepoContext, docs: Sequence[KubeDoc]) -> Iterator[tuple[str, KubeDoc]]:
    charts = sorted(
        (d.chart for d in docs if d.chart is not None and not d.chart.subchart), key=lambda c: c.path
    )
    if not charts:
        return
    helm = shutil.which("helm")
    for chart in charts:
        if helm is None:
            note = f"Helm chart {chart.name}: templates not audited, helm is not installed"
            yield chart.path, KubeDoc(chart.path, render_notes=[RenderNote(note)], rendered=True)
            continue
        output, failure = _template(helm, str(repo.root / chart.directory))
        if failure is not None:
            note = f"Helm chart {chart.name}: templates not audited, `helm template` fails: {failure}"
            yield chart.path, KubeDoc(chart.path, render_notes=[RenderNote(note)], rendered=True)
            continue
        for path, objects in sorted(rendered_objects(chart, output).items()):
            yield path, KubeDoc(path, objects=objects, rendered=True)


def _template(helm: str, directory: str) -> tuple[str, str | None]:
    import subprocess  # only when a chart is rendered: most audits never start a process

    try:
        proc = subprocess.run(
            [helm, "template", "opsmith", directory],
            capture_output=True,
            text=True,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", str(exc)
    if proc.returncode != 0:
        return "", proc.stderr.strip().removeprefix("Error: ")[:400] or "unknown error"
    return proc.stdout, None


def rendered_objects(chart: Chart, output: str) -> dict[str, list[KubeObject]]:
    """The objects of `helm template` output, by the template file (relative to the scanned root)
    each comes from."""
    sources: list[tuple[int, str]] = []
    for number, line in enumerate(output.splitlines(), start=1):
        match = _SOURCE.match(line)
        if match:
            sources.append((number, match.group(1)))
    docs = load_documents(without_schema_bodies(output))
    if isinstance(docs, ParseFailure):
        return {}
    out: dict[str, list[KubeObject]] = {}
    for obj in objects_in(docs):
        written = [source for number, source in sources if number < (obj.line or 0)]
        template = written[-1].partition("/")[2] if written else ""
        path = f"{chart.directory}/{template}" if template else chart.path
        if chart.directory in ("", "."):
            path = template or chart.path
        obj.rendered_by, obj.line = chart.directory or ".", None
        out.setdefault(path, []).append(obj)
    return out
