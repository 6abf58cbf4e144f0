"""Kubernetes manifests: every object of a multi-document YAML file (and the items of a `kind: List`),
with the lines each part of it was written on.

A YAML file is a manifest when at least one of its documents has a string `apiVersion` and `kind`
(configuration files of tools that borrow that shape, such as kustomize, kubeadm or kind clusters,
are not objects). Files that only feed a kustomization (its resources and patches) are kept as
written but not audited on their own: `derived_documents` renders each kustomization (and each Helm
chart when helm is installed) and hands back the rendered objects attributed to the file and line
they come from. Helm templates are not YAML and are never parsed here.

Objects can opt out of rules with an annotation, like a comment does:
`opsmith.dev/ignore: KU007,KU016`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.kubernetes_tools import (
    in_chart_tests,
    is_helm_test,
    tool_of,
    tool_of_documents,
    tool_of_manifest,
)
from opsmith.parse.other_tool import OtherTool
from opsmith.parse.yaml_tree import YMap, YSeq

if TYPE_CHECKING:
    from opsmith.context import RepoContext
    from opsmith.parse.kustomize import Kustomization

IGNORE_ANNOTATION = "opsmith.dev/ignore"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_LOOKS_LIKE_MANIFEST = (
    re.compile(r"(?m)^[ \t-]*apiVersion:[ \t]*[\"']?[a-z]"),
    re.compile(r"(?m)^[ \t-]*kind:[ \t]*[\"']?[A-Z]"),
)
_IGNORE_IDS = re.compile(r"[A-Za-z]{2}\d{3}")

PathPart = str | int


@dataclass(eq=False)
class KubeObject:
    """One Kubernetes object. `line` and `end_line` span it in the file its document belongs to.

    A rendered object (kustomize or helm output) keeps its rendered `body`; `origin` is the object
    as written in the source file, used to find lines, and `rendered_by` names what rendered it.
    """

    api_version: str
    kind: str
    body: YMap
    line: int | None
    end_line: int | None = None
    rendered_by: str | None = None
    origin: KubeObject | None = None

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def metadata(self) -> YMap:
        meta = self.body.get("metadata")
        return meta if isinstance(meta, YMap) else YMap(self.line or 1, 1)

    @property
    def name(self) -> str:
        value = self.metadata.get("name")
        return str(value) if isinstance(value, (str, int)) else ""

    @property
    def namespace(self) -> str | None:
        value = self.metadata.get("namespace")
        return str(value) if isinstance(value, str) and value else None

    @property
    def labels(self) -> dict[str, str]:
        return string_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict[str, str]:
        return string_map(self.metadata.get("annotations"))

    @property
    def ignored(self) -> frozenset[str]:
        """Rule IDs the object's `opsmith.dev/ignore` annotation switches off."""
        text = self.annotations.get(IGNORE_ANNOTATION, "")
        return frozenset(match.upper() for match in _IGNORE_IDS.findall(text))

    @property
    def title(self) -> str:
        """Kind and name as written in the source file (before an overlay's prefix or suffix)."""
        name = (self.origin or self).name
        return f"{self.kind} {name}" if name else self.kind

    def get(self, *path: PathPart) -> Any:
        """The value at `path` in the object (None when any step is missing)."""
        return value_at(self.body, path)

    def line_at(self, *path: PathPart) -> int | None:
        """The line of the deepest part of `path` written in the source file (for a rendered
        object: in the file it comes from, matching list items by `name`)."""
        if self.rendered_by is None:
            return _line_in(self.body, path, self.line)
        if self.origin is None:
            return self.line
        return _mapped_line(self.body, self.origin.body, path, self.origin.line)


@dataclass
class RenderNote:
    """Something the audit could not look at, reported as an info finding (KU018)."""

    message: str
    line: int | None = None


@dataclass
class Chart:
    path: str  # Chart.yaml
    directory: str
    name: str
    subchart: bool


@dataclass
class KubeDoc:
    """The objects of one file. `objects` are what rules audit; `defined` are the objects as written
    in the file (for a file that only feeds a kustomization, `objects` is empty: its objects are
    audited as rendered)."""

    path: str
    objects: list[KubeObject] = field(default_factory=list)
    defined: list[KubeObject] = field(default_factory=list)
    consumed_by: str | None = None  # the kustomization file that reads this file
    kustomization: Kustomization | None = None
    chart: Chart | None = None
    render_notes: list[RenderNote] = field(default_factory=list)
    rendered: bool = False
    # (objects counted, whether any carries an ignore annotation): asked for every finding, and a
    # file of thousands of objects with thousands of findings must not scan them all each time
    _ignores_seen: tuple[int, bool] = field(default=(-1, False), init=False, repr=False, compare=False)

    def _any_ignores(self) -> bool:
        counted, seen = self._ignores_seen
        if counted != len(self.objects):  # objects are added while the repository is read
            seen = any(obj.ignored for obj in self.objects)
            self._ignores_seen = (len(self.objects), seen)
        return seen

    def ignored_at(self, line: int | None) -> frozenset[str]:
        """Rules switched off by the annotation of the object written at `line`; for rendered
        objects, only what every rendering switches off."""
        if line is None or not self._any_ignores():
            return frozenset()
        found: frozenset[str] | None = None
        for obj in self.objects:
            if obj.line is not None and obj.line <= line <= (obj.end_line or obj.line):
                found = obj.ignored if found is None else found & obj.ignored
        return found or frozenset()


def parse(source: SourceFile) -> KubeDoc | ParseFailure | OtherTool | None:
    name = source.name
    if in_chart_templates(source):
        if in_chart_tests(source.relpath):
            return OtherTool("Helm chart test")
        return None  # Go templates, not YAML: audited through `helm template` when helm exists
    docs = source.yaml
    if isinstance(docs, ParseFailure):
        if name in KUSTOMIZATION_NAMES or (
            "{{" not in source.text and all(p.search(source.text) for p in _LOOKS_LIKE_MANIFEST)
        ):
            last = max(len(source.lines), 1)
            return replace(docs, line=min(docs.line, last)) if docs.line is not None else docs
        return None  # not known to be Kubernetes: other families may claim it
    if name in KUSTOMIZATION_NAMES:
        from opsmith.parse.kustomize import read_kustomization

        body = docs[0] if docs and isinstance(docs[0], YMap) else YMap(1, 1)
        return KubeDoc(source.relpath, kustomization=read_kustomization(body, source.relpath))
    if name == "Chart.yaml":
        return _chart(source, docs)
    objects = list(objects_in(docs))
    if not objects:
        tool = tool_of_documents(docs)
        return OtherTool(tool) if tool is not None else None
    doc = KubeDoc(source.relpath, objects=objects, defined=objects)
    _close_spans(objects, len(source.lines))
    if source.abspath is not None:
        from opsmith.parse.kustomize import consumer_of

        doc.consumed_by = consumer_of(source.relpath, source.abspath)
        if doc.consumed_by is not None:
            doc.objects = []
            return doc
    tool = tool_of_manifest(source, [obj.body for obj in objects])
    return OtherTool(tool) if tool is not None else doc


def objects_in(docs: Sequence[Any]) -> Iterator[KubeObject]:
    """Every object in the documents, the items of `kind: List` (and typed lists) included."""
    for body in docs:
        obj = as_object(body)
        if obj is None:
            continue
        items = body.get("items")
        if obj.kind.endswith("List") and isinstance(items, YSeq):
            yield from (inner for inner in map(as_object, items) if inner is not None)
            continue
        yield obj


def as_object(body: Any) -> KubeObject | None:
    if not isinstance(body, YMap):
        return None
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if not (isinstance(api_version, str) and isinstance(kind, str) and api_version and kind):
        return None
    if tool_of(api_version, kind) is not None:
        return None  # tool configuration (kustomize, kubeadm, a kubeconfig...), not a cluster object
    return KubeObject(api_version, kind, body, body.line)


def _close_spans(objects: list[KubeObject], last_line: int) -> None:
    """Each object runs up to the line before the next one starts."""
    starts = sorted(o.line or 1 for o in objects)
    for obj in objects:
        start = obj.line or 1
        after = bisect_right(starts, start)
        obj.end_line = starts[after] - 1 if after < len(starts) else max(last_line, start)


def in_chart_templates(source: SourceFile) -> bool:
    """Is the file under a Helm chart's `templates/` folder (a `Chart.yaml` beside that folder)?"""
    parts = source.relpath.split("/")
    if "templates" not in parts[:-1] or source.abspath is None:
        return False
    path = source.abspath
    for depth, part in enumerate(reversed(parts[:-1]), start=1):
        if part == "templates" and (path.parents[depth] / "Chart.yaml").is_file():
            return True
    return False


def _chart(source: SourceFile, docs: Sequence[Any]) -> KubeDoc | None:
    body = docs[0] if docs else None
    if not isinstance(body, YMap) or "name" not in body or "kind" in body:
        return None
    directory = source.relpath.rpartition("/")[0]
    parent = directory.rpartition("/")[0]
    subchart = parent.rpartition("/")[2] == "charts" and source.abspath is not None
    if subchart and source.abspath is not None:
        subchart = (source.abspath.parents[2] / "Chart.yaml").is_file()
    chart = Chart(source.relpath, directory, str(body.get("name")), subchart)
    return KubeDoc(source.relpath, chart=chart)


def string_map(value: Any) -> dict[str, str]:
    """A labels/annotations/selector map with its keys and values as text (non-maps: empty)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def value_at(node: Any, path: Sequence[PathPart]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or not 0 <= step < len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, Mapping) or step not in node:
                return None
            node = node[step]
    return node


def _line_in(node: Any, path: Sequence[PathPart], line: int | None) -> int | None:
    for step in path:
        if isinstance(step, int) and isinstance(node, YSeq) and 0 <= step < len(node):
            line, node = node.item_line(step), node[step]
        elif isinstance(step, str) and isinstance(node, YMap) and step in node:
            line, node = node.key_line(step), node[step]
        else:
            break
    return line


def _mapped_line(rendered: Any, source: Any, path: Sequence[PathPart], line: int | None) -> int | None:
    """Follow `path` through the rendered tree and the source tree together; list items are
    paired by `name` when they have one (an overlay may add or reorder containers)."""
    for step in path:
        if isinstance(step, int):
            if not (isinstance(source, YSeq) and isinstance(rendered, list) and 0 <= step < len(rendered)):
                break
            index = _same_item(rendered[step], source, step)
            if index is None:
                break
            line, source, rendered = source.item_line(index), source[index], rendered[step]
        else:
            if not (isinstance(source, YMap) and step in source):
                break
            line, source = source.key_line(step), source[step]
            rendered = rendered.get(step) if isinstance(rendered, Mapping) else None
    return line


def _same_item(item: Any, source: YSeq, index: int) -> int | None:
    name = item.get("name") if isinstance(item, Mapping) else None
    if name is not None:
        for i, candidate in enumerate(source):
            if isinstance(candidate, Mapping) and candidate.get("name") == name:
                return i
        return None
    return index if index < len(source) else None


def derived_documents(repo: RepoContext) -> Iterator[tuple[str, KubeDoc | ParseFailure]]:
    """Documents known only once the whole repository is read: each kustomization's rendered
    objects (and each Helm chart's, or a note that it could not be rendered), attributed to the
    files they come from."""
    from opsmith.parse import helm, kustomize

    docs = [doc for _, doc in repo.documents("kubernetes") if isinstance(doc, KubeDoc)]
    yield from kustomize.rendered_documents(repo, docs)
    for path, doc in helm.rendered_documents(repo, docs):
        doc.objects = [obj for obj in doc.objects if not is_helm_test(obj.annotations)]
        if doc.objects or doc.render_notes:
            yield path, doc


def prepare(repo: RepoContext, paths: Sequence[str]) -> None:
    """Starts rendering the repository's kustomizations while its other files are read."""
    from opsmith.parse import kustomize

    kustomize.start_renders(repo, paths)


def resolve_root(source_abspath: Path, relpath: str) -> Path:
    """The scanned root, from a file's absolute path and its path relative to that root."""
    return source_abspath.parents[relpath.count("/")]
