"""Kustomize: what a kustomization reads, and its rendered objects mapped back to their source.

A folder with a kustomization is deployed as its rendered output, not as the files it lists: a base
often leaves out the namespace, the image tag or the team label that every overlay adds. So:

- files a kustomization reads (resources, patches, CRDs, generator inputs...) are not audited on
  their own (`consumer_of`);
- each *top-level* kustomization (one that no other kustomization in the repository builds on, and
  not a `Component`) is rendered with `kustomize build` or `kubectl kustomize` (offline; no cluster)
  and its objects are audited, each attributed to the file and line it was written in (kustomize's
  `config.kubernetes.io/origin` annotation, asked for through a throw-away wrapper kustomization so
  the user's files are never touched). A base shared by several overlays is therefore reported once
  per finding, naming the overlays where it occurs.

A kustomization that needs the network (remote bases) or helm (`helmCharts`), or a machine with
neither kustomize nor kubectl, is not rendered: an info note (KU018) says so.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.kubernetes import (
    KUSTOMIZATION_NAMES,
    KubeDoc,
    KubeObject,
    RenderNote,
    objects_in,
    parse,
    resolve_root,
)
from opsmith.parse.yaml_tree import YMap, YSeq, load_documents

if TYPE_CHECKING:
    from opsmith.rules.base import RepoContext

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
_LIST_FIELDS = (
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "transformers",
    "generators",
    "validators",
    "patchesStrategicMerge",
)
_PATH_ITEM_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}
_NETWORK_WORDS = ("git", "http", "dial tcp", "no such host", "network", "timeout")
RENDER_TIMEOUT = 120


@dataclass(frozen=True)
class Kustomization:
    path: str  # the kustomization file
    directory: str  # its folder ('.' for the root)
    component: bool
    references: frozenset[str]  # local files and folders it reads, relative to the scanned root
    remote: tuple[str, ...]  # remote bases (URLs, git references)
    helm_charts: bool
    generators: tuple[tuple[str, str, int], ...]  # (generator field, name, line)


def read_kustomization(body: YMap, path: str) -> Kustomization:
    directory = posixpath.normpath(posixpath.dirname(path) or ".")
    refs: set[str] = set()
    remote: list[str] = []
    entries: list[str] = []
    for key in _LIST_FIELDS:
        value = body.get(key)
        if isinstance(value, list):
            entries.extend(v for v in value if isinstance(v, str) and not _is_inline(v))
    for key in (*_PATH_ITEM_FIELDS, "openapi"):
        value = body.get(key)
        items = value if isinstance(value, list) else [value]
        entries.extend(i["path"] for i in items if isinstance(i, YMap) and isinstance(i.get("path"), str))
    generators: list[tuple[str, str, int]] = []
    for key in _GENERATORS.values():
        value = body.get(key)
        if not isinstance(value, YSeq):
            continue
        for index, item in enumerate(value):
            if not isinstance(item, YMap):
                continue
            generators.append((key, str(item.get("name", "")), value.item_line(index)))
            for files_key in ("files", "envs", "env"):
                files = item.get(files_key)
                for f in files if isinstance(files, list) else [files]:
                    if isinstance(f, str):
                        entries.append(f.rpartition("=")[2])
    for entry in entries:
        if _is_remote(entry):
            remote.append(entry)
        else:
            refs.add(posixpath.normpath(posixpath.join(directory, entry)))
    return Kustomization(
        path,
        directory,
        body.get("kind") == "Component",
        frozenset(refs),
        tuple(remote),
        bool(body.get("helmCharts")),
        tuple(generators),
    )


def _is_inline(entry: str) -> bool:
    """An inline patch or configuration written in place of a file name."""
    return "\n" in entry or ": " in entry or entry.rstrip().endswith(":")


def _is_remote(entry: str) -> bool:
    return (
        "://" in entry
        or entry.startswith(("github.com/", "gitlab.com/", "bitbucket.org/", "git@"))
        or "?ref=" in entry
        or ".git//" in entry
    )


def consumer_of(relpath: str, abspath: Path) -> str | None:
    """The kustomization (in this file's folder or one above it, within the scanned root) that
    reads this file, if any."""
    root = resolve_root(abspath, relpath)
    parts = relpath.split("/")[:-1]
    while True:
        directory = "/".join(parts)
        found = _kustomization_file(str(root / directory) if directory else str(root))
        if found is not None:
            kust = _load(found, f"{directory}/{Path(found).name}" if directory else Path(found).name)
            if kust is not None and relpath in kust.references:
                return kust.path
        if not parts:
            return None
        parts.pop()


def _kustomization_file(directory: str) -> str | None:
    try:
        stamp = os.stat(directory).st_mtime_ns
    except OSError:
        return None
    return _kustomization_in(directory, stamp)


@lru_cache(maxsize=1024)
def _kustomization_in(directory: str, stamp: int) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _load(abspath: str, relpath: str) -> Kustomization | None:
    try:
        info = os.stat(abspath)
    except OSError:
        return None
    return _load_cached(abspath, relpath, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=256)
def _load_cached(abspath: str, relpath: str, stamp: int, size: int) -> Kustomization | None:
    try:
        text = Path(abspath).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    docs = load_documents(text)
    if isinstance(docs, ParseFailure) or not docs or not isinstance(docs[0], YMap):
        return None
    return read_kustomization(docs[0], relpath)


# Rendering ------------------------------------------------------------------------------------


def renderer() -> list[str] | None:
    """The command that builds a kustomization folder, or None when none is installed."""
    standalone = shutil.which("kustomize")
    if standalone:
        return [standalone, "build"]
    kubectl = shutil.which("kubectl")
    return [kubectl, "kustomize"] if kubectl else None


@dataclass
class _Render:
    kustomization: Kustomization
    output: str | None = None
    wrapper: str = ""  # folder the origin paths are relative to
    failure: str | None = None


def rendered_documents(
    repo: RepoContext, docs: Sequence[KubeDoc]
) -> Iterator[tuple[str, KubeDoc | ParseFailure]]:
    kusts = {d.kustomization.directory: d.kustomization for d in docs if d.kustomization is not None}
    for doc in docs:  # files given one by one: render the kustomization that reads them
        if doc.consumed_by is not None:
            owner = posixpath.normpath(posixpath.dirname(doc.consumed_by) or ".")
            loaded = _load(str(repo.root / doc.consumed_by), doc.consumed_by)
            if owner not in kusts and loaded is not None:
                kusts[owner] = loaded
    if not kusts:
        return
    used = frozenset().union(*(k.references for k in kusts.values()))
    tops = sorted(
        (k for k in kusts.values() if not k.component and k.directory not in used), key=lambda k: k.path
    )
    command = renderer()
    todo: list[Kustomization] = []
    for kust in tops:
        note = _not_renderable(kust, command)
        if note:
            yield kust.path, KubeDoc(kust.path, render_notes=[RenderNote(note)], rendered=True)
        else:
            todo.append(kust)
    if not todo or command is None:
        return
    # Rendering is rare: what it needs (threads, temporary folders, processes) is imported here.
    from concurrent.futures import ThreadPoolExecutor

    root = repo.root.resolve()
    with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 2))) as pool:
        renders = list(pool.map(lambda k: _render(command, root, k), todo))
    sources = _SourceIndex(repo, docs)
    variants: dict[str, list[KubeObject]] = {}
    for render in renders:
        kust = render.kustomization
        if render.failure is not None:
            if any(word in render.failure.lower() for word in _NETWORK_WORDS) and kust.remote:
                needs = RenderNote(f"not rendered, kustomize needs the network: {render.failure}")
                yield kust.path, KubeDoc(kust.path, render_notes=[needs], rendered=True)
            else:
                yield kust.path, ParseFailure(f"kustomize cannot build {kust.directory}: {render.failure}")
            continue
        for obj in _objects(render, root, sources, kusts):
            variants.setdefault(obj[0], []).append(obj[1])
    for path in sorted(variants):
        yield path, KubeDoc(path, objects=variants[path], rendered=True)


def _not_renderable(kust: Kustomization, command: list[str] | None) -> str | None:
    if command is None:
        return (
            f"kustomization {kust.directory} not rendered: neither kustomize nor kubectl is installed, "
            "so the files it reads were not audited"
        )
    if kust.remote:
        return f"kustomization {kust.directory} not rendered offline: it uses remote bases ({kust.remote[0]})"
    if kust.helm_charts:
        return f"kustomization {kust.directory} not rendered: it inflates Helm charts (helmCharts)"
    return None


def _render(command: list[str], root: Path, kust: Kustomization) -> _Render:
    import tempfile

    target = root / kust.directory
    with tempfile.TemporaryDirectory(prefix="opsmith-kustomize-") as wrapper:
        relative = os.path.relpath(target, wrapper)
        Path(wrapper, "kustomization.yaml").write_text(
            f"resources:\n- {json.dumps(relative)}\nbuildMetadata: [originAnnotations]\n", encoding="utf-8"
        )
        ok, output = _run([*command, wrapper])
    if ok:
        return _Render(kust, output, wrapper)
    ok, output = _run([*command, str(target)])  # again on the folder itself, for a plain message
    message = output.strip().removeprefix("error: ").removeprefix("Error: ") or "unknown error"
    return _Render(kust, failure=message.replace(f"{root}/", "")[:400])


def _run(command: list[str]) -> tuple[bool, str]:
    import subprocess

    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {RENDER_TIMEOUT} s"
    except OSError as exc:
        return False, str(exc)
    return proc.returncode == 0, proc.stdout if proc.returncode == 0 else proc.stderr


class _SourceIndex:
    """The objects as written in each source file, parsed on demand when the run did not."""

    def __init__(self, repo: RepoContext, docs: Sequence[KubeDoc]) -> None:
        self._repo = repo
        self._docs = {d.path: d for d in docs if d.defined or d.consumed_by}
        self._extra: dict[str, KubeDoc | None] = {}

    def doc(self, path: str) -> KubeDoc | None:
        known = self._docs.get(path)
        if known is not None:
            return known
        if path not in self._extra:
            self._extra[path] = self._read(path)
        return self._extra[path]

    def _read(self, path: str) -> KubeDoc | None:
        text = self._repo.read_text(path)
        if text is None:
            return None
        parsed = parse(SourceFile(path, text, self._repo.root.resolve() / path))
        return parsed if isinstance(parsed, KubeDoc) else None


def _objects(
    render: _Render, root: Path, sources: _SourceIndex, kusts: dict[str, Kustomization]
) -> Iterator[tuple[str, KubeObject]]:
    docs = load_documents(render.output or "")
    if isinstance(docs, ParseFailure):
        return
    kust = render.kustomization
    for obj in objects_in(docs):
        obj.rendered_by = kust.directory
        origin = _pop_origin(obj)
        path = _relative(origin.get("path") or origin.get("configuredIn"), render.wrapper, root)
        if path is None:
            path = kust.path
        source = sources.doc(path)
        if source is not None and source.defined:
            if source.consumed_by is None and source.objects:
                continue  # audited as written already (read by no kustomization we know of)
            match = _match(obj, source.defined)
            if match is not None:
                obj.origin, obj.line, obj.end_line = match, match.line, match.end_line
        elif "configuredIn" in origin:
            owner = kusts.get(posixpath.normpath(posixpath.dirname(path) or "."))
            obj.line = _generator_line(obj, origin, owner)
        else:
            obj.line = None
        yield path, obj


def _pop_origin(obj: KubeObject) -> dict[str, Any]:
    annotations = obj.metadata.get("annotations")
    if not isinstance(annotations, YMap) or ORIGIN_ANNOTATION not in annotations:
        return {}
    text = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        obj.metadata.pop("annotations", None)
    try:
        origin = yaml.safe_load(str(text))
    except yaml.YAMLError:
        return {}
    return origin if isinstance(origin, dict) else {}


def _relative(origin: Any, wrapper: str, root: Path) -> str | None:
    if not isinstance(origin, str) or "://" in origin:
        return None
    resolved = os.path.normpath(os.path.join(wrapper, origin))
    relative = os.path.relpath(resolved, root)
    return None if relative.startswith("..") else Path(relative).as_posix()


def _match(obj: KubeObject, candidates: Sequence[KubeObject]) -> KubeObject | None:
    """The written object a rendered one comes from: same kind, and the same name or the name
    that a prefix/suffix was added to."""
    same_kind = [c for c in candidates if c.kind == obj.kind]
    exact = [c for c in same_kind if c.name == obj.name]
    if exact:
        return exact[0]
    inside = sorted((c for c in same_kind if c.name and c.name in obj.name), key=lambda c: -len(c.name))
    if inside:
        return inside[0]
    return same_kind[0] if len(same_kind) == 1 else None


def _generator_line(obj: KubeObject, origin: dict[str, Any], owner: Kustomization | None) -> int | None:
    if owner is None:
        return None
    by = origin.get("configuredBy")
    field = _GENERATORS.get(by.get("kind", "") if isinstance(by, dict) else "")
    lines = [line for kind, name, line in owner.generators if kind == field and name and name in obj.name]
    return lines[0] if lines else None
