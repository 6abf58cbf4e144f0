"""Where a file copied into a build stage ends up, and whether it reaches the final image (DF016).

A file reaches the image when it lands in the final stage or in a stage the final one is built
FROM, or when a `COPY --from` of a path that covers it carries it, possibly through other stages,
into one of those. A builder stage the final image takes only named artifacts from keeps the rest
to itself.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from posixpath import basename, join, normpath

from opsmith.parse.dockerfile import DockerfileDoc, Instruction, Stage
from opsmith.rules.dockerfile_facts import chain, copy_sources

_GLOB = frozenset("*?[")


def landing(stage: Stage, ins: Instruction, source: str, inner: str | None = None) -> str | None:
    """The absolute path where `source` of this COPY (or, for a directory source, the file `inner`
    below it) lands; None when a variable makes it unknown."""
    args = [a for a in ins.args if not a.startswith("<<")]
    if len(args) < 2:
        return None
    workdir = _workdir_at(stage, ins)
    if workdir is None or "$" in args[-1]:
        return None
    dest = normpath(join(workdir, args[-1]))
    if inner is not None:
        return normpath(join(dest, inner))
    into_folder = args[-1].endswith("/") or args[-1] in (".", "./") or len(args) > 2
    return join(dest, basename(source.rstrip("/"))) if into_folder else dest


def reaches_final(doc: DockerfileDoc, stage: Stage, path: str | None) -> bool:
    """Does a file at `path` in `stage` (None: somewhere in it) end up in the final image?"""
    if stage.index in _indices(doc.final):
        return True
    feeding = _feeding(doc)
    return any(
        other.index in feeding
        and stage.index in _indices(source)
        and any(_covers(src, path) for src in copy_sources(ins))
        for other in doc.stages
        for ins, source in _copies_from_stages(doc, other)
    )


def _feeding(doc: DockerfileDoc) -> set[int]:
    """The stages some of whose files reach the final image. Where a file lands in the stage that
    copies it is not followed further: any copy out of a stage that feeds the image counts."""
    found = _indices(doc.final)
    changed = True
    while changed:  # each round adds a stage or stops: at most one round per stage
        changed = False
        for other in doc.stages:
            if other.index not in found:
                continue
            for _, source in _copies_from_stages(doc, other):
                added = _indices(source) - found
                found |= added
                changed |= bool(added)
    return found


def _indices(stage: Stage | None) -> set[int]:
    """The indexes of a stage and of the stages it is built FROM (compared by index: stages are
    large values)."""
    return {s.index for s in chain(stage)}


def _copies_from_stages(doc: DockerfileDoc, stage: Stage) -> list[tuple[Instruction, Stage]]:
    """The `COPY --from=<stage>` instructions of a stage, with the stage each copies from."""
    out = []
    for ins in stage.of("COPY", "ADD"):
        source = _source_stage(doc, ins.flag("from"))
        if source is not None:
            out.append((ins, source))
    return out


def _source_stage(doc: DockerfileDoc, ref: str | None) -> Stage | None:
    if ref is None:
        return None
    if ref.isdigit():
        return doc.stages[int(ref)] if int(ref) < len(doc.stages) else None
    return doc.stage_named(ref)


def _covers(source: str, path: str | None) -> bool:
    """Does a `COPY --from` source (relative to the stage's root) take the file at `path`?"""
    if path is None or "$" in source:
        return True
    src = normpath(join("/", source))
    if _GLOB & set(src):
        parts = path.split("/")
        return any(fnmatchcase("/".join(parts[:n]) or "/", src) for n in range(1, len(parts) + 1))
    return src in ("/", path) or path.startswith(src + "/")


# The WORKDIRs of the stage last asked about: DF016 asks for every COPY of a stage in turn, and
# walking the stage again for each made a file of thousands of COPY and WORKDIR lines quadratic.
_last_stage: list[tuple[Stage, dict[int, str | None], str | None]] = []


def _workdir_at(stage: Stage, ins: Instruction) -> str | None:
    """The absolute WORKDIR in effect at `ins` (None: set from a variable)."""
    if not _last_stage or _last_stage[0][0] is not stage:
        _last_stage[:] = [(stage, *_workdirs(stage))]
    _stage, at, last = _last_stage[0]
    return at.get(id(ins), last)


def _workdirs(stage: Stage) -> tuple[dict[int, str | None], str | None]:
    """The WORKDIR in effect at each instruction of the stage (by id), and after the last one."""
    at: dict[int, str | None] = {}
    workdir: str | None = "/"
    for current in chain(stage):
        for i in current.instructions:
            at.setdefault(id(i), workdir)
            if i.cmd == "WORKDIR" and i.args:
                target = i.args[0]
                known = "$" not in target and (workdir is not None or target.startswith("/"))
                workdir = normpath(join(workdir or "/", target)) if known else None
    return at, workdir
