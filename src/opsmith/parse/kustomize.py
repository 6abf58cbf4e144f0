"""Kustomize: what a kustomization reads, and its rendered objects mapped back to their source.

A folder with a kustomization is deployed as its rendered output, not as the files it lists: a base
often leaves out the namespace, the image tag or the team label that every overlay adds. So:

- files a kustomization reads (resources, patches, CRDs, generator inputs...) are not audited on
  their own (`consumer_of`);
- each *top-level* kustomization (one that no other kustomization in the repository builds on, and
  not a `Component`) is rendered with `kustomize build` or `kubectl kustomize` (offline; no cluster)
  and its objects are audited, each attributed to the file and line it was written in. The kind
  and name of an object nearly always say which of the files the kustomization reads it comes from;
  when they cannot (generated ConfigMaps, files too large to read) or leave a doubt, kustomize
  builds through a throw-away wrapper kustomization that asks for each object's
  `config.kubernetes.io/origin` annotation (the user's files are never touched; asking every time
  would double kustomize's time). A base shared by several overlays is therefore reported once per
  finding, naming the overlays where it occurs. The renders start at the first Kubernetes document
  of an audit and run while the other files are read.

A kustomization that needs the network (remote bases) or helm (`helmCharts`), or a machine with
neither kustomize nor kubectl, is not rendered: an info note (KU018) says so.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
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
from opsmith.parse.kubernetes_crd import without_schema_bodies
from opsmith.parse.yaml_tree import YMap, YSeq, load_documents
from opsmith.safe_read import NotReadable, read_limited

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from opsmith.context import RepoContext

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
_KLOG_ERROR = re.compile(r'^[EF]\d{4} [^\]]*\] "command failed" err="(.*)"$')
_QUOTED = re.compile(r"""['"]([^'"\s]+)['"]""")
_NETWORK_WORDS = ("git", "http", "dial tcp", "no such host", "network", "timeout")
RENDER_TIMEOUT = 120
# kustomize merges a patch slowly (about a millisecond per mapping, measured with kubectl 1.31) and
# writes deep nesting back indented, quadratic in its depth: patches past these bounds would take it
# minutes and gigabytes, so they are reported instead of rendered.
MAX_PATCH_COLLECTIONS = 10_000
MAX_PATCH_DEPTH = 100
# Each patch costs kustomize about 5 ms over every resource it may target, so a few thousand short
# patches, or resources, would take it minutes: both are counted over the whole tree it builds.
MAX_PATCHES = 100
MAX_RESOURCES = 1_000


@dataclass(frozen=True)
class Kustomization:
    path: str  # the kustomization file
    directory: str  # its folder ('.' for the root)
    component: bool
    references: frozenset[str]  # local files and folders it reads, relative to the scanned root
    patches: tuple[str, ...]  # the patch files among them, and patches written inline
    remote: tuple[str, ...]  # remote bases (URLs, git references)
    helm_charts: bool
    generators: tuple[tuple[str, str, int], ...]  # (generator field, name, line)


def read_kustomization(body: YMap, path: str) -> Kustomization:
    directory = posixpath.normpath(posixpath.dirname(path) or ".")
    refs: set[str] = set()
    remote: list[str] = []
    entries: list[str] = []
    patches: list[str] = []
    for key in _LIST_FIELDS:
        value = body.get(key)
        if isinstance(value, list):
            entries.extend(v for v in value if isinstance(v, str) and not _is_inline(v))
            if key == "patchesStrategicMerge":
                patches.extend(v for v in value if isinstance(v, str))
    for key in (*_PATH_ITEM_FIELDS, "openapi"):
        value = body.get(key)
        items = value if isinstance(value, list) else [value]
        entries.extend(i["path"] for i in items if isinstance(i, YMap) and isinstance(i.get("path"), str))
        if key in ("patches", "patchesJson6902"):
            for item in items:
                patch = item.get("path") or item.get("patch") if isinstance(item, YMap) else None
                if isinstance(patch, str):
                    patches.append(patch)
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
        tuple(
            p if _is_inline(p) else posixpath.normpath(posixpath.join(directory, p))
            for p in patches
            if not _is_remote(p)
        ),
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


_MAX_KUSTOMIZATION = 1024 * 1024


@lru_cache(maxsize=256)
def _load_cached(abspath: str, relpath: str, stamp: int, size: int) -> Kustomization | None:
    try:  # a FIFO or a device named kustomization.yaml would block or never end
        text = read_limited(Path(abspath), _MAX_KUSTOMIZATION).decode("utf-8", errors="replace")
    except (OSError, NotReadable):
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
    wrapper: str | None = None  # folder the origin paths are relative to; None: no origins asked for
    failure: str | None = None


@dataclass
class _Started:
    """Renders `start_renders` began, by kustomization and whether origins were asked for."""

    pool: ThreadPoolExecutor
    renders: dict[tuple[Kustomization, bool], Future[_Render]]


_STARTED: dict[Path, _Started] = {}  # by the audited folder, until `rendered_documents` takes them


def start_renders(repo: RepoContext, paths: Sequence[str]) -> None:
    """Starts rendering the top kustomizations among a whole repository's files (those
    `rendered_documents` will want, as far as the files say before they are parsed), so that
    kustomize runs while the audit reads the other files."""
    command = renderer()
    root = repo.root.resolve()
    kusts: dict[str, Kustomization] = {}
    for path in paths:
        if posixpath.basename(path) in KUSTOMIZATION_NAMES:
            loaded = _load(str(root / path), path)
            if loaded is not None:
                kusts[loaded.directory] = loaded
    todo = [k for k in _tops(kusts) if not _not_renderable(k, command) and not _costly_patches(repo.root, k)]
    if not todo or command is None:
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=_workers(todo))
    renders = {}
    for kust in sorted(todo, key=lambda k: -_size(root, k)):  # the longest first: they end together
        origins = _needs_origins(repo, root, kust)
        renders[kust, origins] = pool.submit(_render, command, root, kust, origins)
    _discard_started(root)
    _STARTED[root] = _Started(pool, renders)


def _discard_started(root: Path) -> None:
    started = _STARTED.pop(root, None)
    if started is not None:
        started.pool.shutdown(wait=False, cancel_futures=True)


def _workers(todo: Sequence[Kustomization]) -> int:
    return max(1, min(len(todo), os.cpu_count() or 2))


def _size(root: Path, kust: Kustomization) -> int:
    """How much kustomize has to read to build this: the files and patches of its tree."""
    files, patches = _tree_files(root, kust)
    return len(files) + len(patches)


def _tops(kusts: dict[str, Kustomization]) -> list[Kustomization]:
    """The kustomizations no other one builds on, Components aside: the ones deployed."""
    used = frozenset().union(*(k.references for k in kusts.values()))
    return sorted(
        (k for k in kusts.values() if not k.component and k.directory not in used), key=lambda k: k.path
    )


def rendered_documents(
    repo: RepoContext, docs: Sequence[KubeDoc]
) -> Iterator[tuple[str, KubeDoc | ParseFailure]]:
    root = repo.root.resolve()
    started = _STARTED.get(root)
    try:
        yield from _rendered_documents(repo, docs, started.renders if started else {})
    finally:
        _discard_started(root)  # renders nobody wanted (the parsed files said otherwise) are dropped


def _rendered_documents(
    repo: RepoContext, docs: Sequence[KubeDoc], started: dict[tuple[Kustomization, bool], Future[_Render]]
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
    command = renderer()
    todo: list[Kustomization] = []
    for kust in _tops(kusts):
        note = _not_renderable(kust, command)
        costly = None if note else _costly_patches(repo.root, kust)
        if note:
            yield kust.path, KubeDoc(kust.path, render_notes=[RenderNote(note)], rendered=True)
        elif costly:
            yield kust.path, ParseFailure(f"kustomize not run on {kust.directory}: {costly}")
        else:
            todo.append(kust)
    if not todo or command is None:
        return
    # Rendering is rare: what it needs (threads, temporary folders, processes) is imported here.
    from concurrent.futures import ThreadPoolExecutor, as_completed

    root = repo.root.resolve()
    sources = _SourceIndex(repo, docs)

    def render(kust: Kustomization, origins: bool) -> _Render:
        begun = started.pop((kust, origins), None)
        return begun.result() if begun is not None else _render(command, root, kust, origins)

    with ThreadPoolExecutor(max_workers=_workers(todo)) as pool:
        futures = {pool.submit(render, k, _needs_origins(repo, root, k)): i for i, k in enumerate(todo)}
        renders: list[_Render] = [_Render(kust) for kust in todo]
        placed: list[list[tuple[str, KubeObject]] | None] = [None] * len(todo)
        for future in as_completed(futures):  # each read while kustomize builds the others
            i = futures[future]
            renders[i] = future.result()
            placed[i] = None if renders[i].failure else _objects(renders[i], root, sources, kusts)
        doubtful = [i for i, r in enumerate(renders) if r.failure is None and placed[i] is None]
        again = pool.map(render, [todo[i] for i in doubtful], [True] * len(doubtful))
        for i, done in zip(doubtful, again, strict=True):
            renders[i] = done
            placed[i] = None if done.failure else _objects(done, root, sources, kusts)
    variants: dict[str, list[KubeObject]] = {}
    for rendered, objects in zip(renders, placed, strict=True):
        kust, failure = rendered.kustomization, rendered.failure
        if failure is not None:
            if any(word in failure.lower() for word in _NETWORK_WORDS) and kust.remote:
                needs = RenderNote(f"not rendered, kustomize needs the network: {failure}")
                yield kust.path, KubeDoc(kust.path, render_notes=[needs], rendered=True)
            else:
                line = _line_naming(repo.read_text(kust.path) or "", kust.directory, failure)
                yield kust.path, ParseFailure(f"kustomize cannot build {kust.directory}: {failure}", line)
            continue
        for path, obj in objects or ():
            variants.setdefault(path, []).append(obj)
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


def _costly_patches(root: Path, kust: Kustomization) -> str | None:
    """Why kustomize would take minutes over the patches this kustomization (and the ones it builds
    on) applies; None when they are of a reasonable size."""
    from opsmith.parse.yaml_tree import shape

    collections, patches, resources = 0, 0, 0
    for current in _tree(root, kust):
        patches += len(current.patches)
        resources += len(current.references)
        if patches > MAX_PATCHES or resources > MAX_RESOURCES:
            return (
                f"it has {patches:,} patches and reads {resources:,} files, which kustomize would "
                f"take minutes over (the bounds are {MAX_PATCHES:,} patches and {MAX_RESOURCES:,} files)"
            )
        for patch in current.patches:
            text = patch if _is_inline(patch) else _patch_text(root, patch)
            measured = shape(text, MAX_PATCH_DEPTH) if text else None
            if measured is None:
                continue  # kustomize words what it cannot read
            if measured.deep_line is not None:
                where = "an inline patch" if text is patch else patch
                return f"{where} nests more than {MAX_PATCH_DEPTH} levels deep (kustomize is slow past that)"
            collections += measured.collections
    if collections > MAX_PATCH_COLLECTIONS:
        return (
            f"its patches hold {collections:,} mappings and lists, which kustomize would take minutes "
            f"to merge (the bound is {MAX_PATCH_COLLECTIONS:,})"
        )
    return None


def _tree(root: Path, kust: Kustomization) -> Iterator[Kustomization]:
    """The kustomization and every one it builds on within the audited folder, each once, read
    lazily so a caller that stops early reads no more."""
    kustomizations, seen = [kust], {kust.directory}
    while kustomizations:
        current = kustomizations.pop()
        yield current
        for ref in current.references:
            found = None if ref in seen or ref.startswith("../") else _kustomization_file(str(root / ref))
            seen.add(ref)
            loaded = _load(found, posixpath.join(ref, Path(found).name)) if found else None
            if loaded is not None:
                kustomizations.append(loaded)


def _patch_text(root: Path, patch: str) -> str | None:
    if patch.startswith("../"):
        return None  # outside the audited folder
    try:
        return read_limited(root / patch, _MAX_KUSTOMIZATION).decode("utf-8", errors="replace")
    except (OSError, NotReadable):
        return None


def _render(command: list[str], root: Path, kust: Kustomization, origins: bool) -> _Render:
    """The folder built as it is, or with `origins` through a throw-away wrapper that asks for
    each object's origin annotation. Asking doubles kustomize's time (any `buildMetadata` does),
    so it is done only when the objects' names cannot place them (`_placed_by_name`)."""
    import tempfile

    target = root / kust.directory
    if not origins:
        ok, output = _run([*command, str(target)])
        return _Render(kust, output) if ok else _failed(root, kust, output)
    with tempfile.TemporaryDirectory(prefix="opsmith-kustomize-") as wrapper:
        relative = os.path.relpath(target, wrapper)
        Path(wrapper, "kustomization.yaml").write_text(
            f"resources:\n- {json.dumps(relative)}\nbuildMetadata: [originAnnotations]\n", encoding="utf-8"
        )
        ok, output = _run([*command, wrapper])
    if ok:
        return _Render(kust, output, wrapper)
    ok, output = _run([*command, str(target)])  # again on the folder itself, for a plain message
    return _failed(root, kust, output)


def _failed(root: Path, kust: Kustomization, output: str) -> _Render:
    return _Render(kust, failure=error_text(output).replace(f"{root}/", "")[:400])


def error_text(output: str) -> str:
    """The error kustomize (or kubectl's log line) printed, without the deprecation warnings
    before it, which name nothing that failed."""
    lines = [line.strip() for line in output.splitlines()]
    lines = [line for line in lines if line and not line.startswith("# Warning:")]
    for line in lines:
        logged = _KLOG_ERROR.search(line)  # kubectl: E1207 10:00:00 ... "command failed" err="..."
        if logged:
            return logged.group(1).replace('\\"', '"')
        if line.lower().startswith("error:"):
            return line[len("error:") :].strip()
    return " ".join(lines) or "unknown error"


def _line_naming(kustomization: str, directory: str, failure: str) -> int:
    """The line of the kustomization that lists the resource or patch the failure names (its
    first quoted path that the file lists), else line 1."""
    prefix = "" if directory == "." else f"{directory}/"
    lines = kustomization.splitlines()
    for quoted in _QUOTED.findall(failure):
        name = quoted.removeprefix(prefix)
        if not name or name.startswith("/"):
            continue
        listed = re.compile(rf"(?<![\w./-]){re.escape(name)}(?![\w./-])")
        for number, line in enumerate(lines, 1):
            if listed.search(line.split("#", 1)[0]):
                return number
    return 1


def _run(command: list[str]) -> tuple[bool, str]:
    import subprocess

    # kustomize allocates much and lives briefly: collecting garbage half as often cuts its CPU time
    # by 10 to 25 % (most on large CRDs) for about 40 % more memory. A GOGC the user set wins.
    env = {**os.environ, "GOGC": os.environ.get("GOGC", "200")}
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=RENDER_TIMEOUT, check=False, env=env
        )
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
) -> list[tuple[str, KubeObject]] | None:
    """The rendered objects, each with the file it comes from; None when the render carries no
    origins and some object's name does not place it for sure."""
    docs = load_documents(without_schema_bodies(render.output or ""))
    if isinstance(docs, ParseFailure):
        return []
    kust = render.kustomization
    objects = list(objects_in(docs))
    if render.wrapper is None:
        placed = _placed_by_name(objects, root, kust, sources)
        if placed is None:
            return None
        origins: list[dict[str, Any]] = [{"path": path} for path in placed]
    else:
        wrapper = render.wrapper
        origins = [_pop_origin(obj) for obj in objects]
        for origin in origins:
            origin["path"] = _relative(origin.get("path") or origin.get("configuredIn"), wrapper, root)
    return list(_attributed(objects, origins, kust, sources, kusts))


def _attributed(
    objects: Sequence[KubeObject],
    origins: Sequence[dict[str, Any]],
    kust: Kustomization,
    sources: _SourceIndex,
    kusts: dict[str, Kustomization],
) -> Iterator[tuple[str, KubeObject]]:
    for obj, origin in zip(objects, origins, strict=True):
        obj.rendered_by = kust.directory
        path = origin["path"]
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


def _tree_files(root: Path, kust: Kustomization) -> tuple[set[str], set[str]]:
    """(every file and folder the kustomization's tree reads, the patch files among them)."""
    files: set[str] = set()
    patches: set[str] = set()
    for current in _tree(root, kust):
        files |= current.references
        patches.update(current.patches)
    return files, patches


def _needs_origins(repo: RepoContext, root: Path, kust: Kustomization) -> bool:
    """Whether kustomize must be asked where the objects come from, as names cannot say: the tree
    reads a file outside the audited folder or one too large to read, or generates ConfigMaps or
    Secrets (named with a hash no file writes). Rendering twice costs more than asking at once."""
    if any(current.generators for current in _tree(root, kust)):
        return True
    files, _ = _tree_files(root, kust)
    return any(
        ref.startswith("../") or not ((root / ref).is_dir() or repo.read_text(ref) is not None)
        for ref in files
    )


def _placed_by_name(
    objects: Sequence[KubeObject], root: Path, kust: Kustomization, sources: _SourceIndex
) -> list[str] | None:
    """The source file of each rendered object, as kustomize's origin annotation would name it:
    the resource file of the kustomization's tree that writes an object of the same kind whose
    name is the rendered one, or else the longest name inside it (a prefix or suffix was added).
    None at the first doubt: a name that no file or several write, or two objects placed on one
    written object (a generator, a patch that renames). The tree reads no file outside the
    audited folder (`_needs_origins`)."""
    files, patches = _tree_files(root, kust)
    written: dict[str, list[tuple[str, KubeObject]]] = {}
    for path in sorted(files - patches):
        source = sources.doc(path)
        for defined in source.defined if source is not None else ():
            if defined.name:
                written.setdefault(defined.kind, []).append((path, defined))
    placed: list[str] = []
    taken: set[int] = set()
    for obj in objects:
        inside = [(path, d) for path, d in written.get(obj.kind, ()) if d.name in obj.name]
        longest = max((len(d.name) for _, d in inside), default=0)
        candidates = [(path, d) for path, d in inside if len(d.name) == longest]
        if len(candidates) != 1 or id(candidates[0][1]) in taken:
            return None
        taken.add(id(candidates[0][1]))
        placed.append(candidates[0][0])
    return placed


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
