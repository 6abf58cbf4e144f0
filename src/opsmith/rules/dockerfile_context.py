"""Which folder a Dockerfile is built from.

`docker build` takes the context as an argument, so the Dockerfile alone does not say it. A
compose file's `build:` says it outright; otherwise the Dockerfile's sources do: `COPY
docker/entrypoint.sh /` in `docker/Dockerfile` only works with the repository root as context.
The context is then the deepest folder, from the Dockerfile's own up to the root, in which every
checkable source exists; with nothing to check, it is unknown.
"""

from __future__ import annotations

from posixpath import dirname, join, normpath

from opsmith.audit.families import artifact_types
from opsmith.parse.dockerfile import DockerfileDoc
from opsmith.rules import dockerfile_facts as facts
from opsmith.rules.base import RepoContext

_GLOB = "*?["


def compose_contexts(repo: RepoContext) -> dict[str, str]:
    """Dockerfile path -> the build context a compose file of the repository gives it."""
    from opsmith.parse.yaml_tree import YMap, load_documents

    out: dict[str, str] = {}
    for path in repo.files:
        if "compose" not in artifact_types(path):
            continue
        docs = load_documents(repo.read_text(path) or "")
        top = docs[0] if isinstance(docs, list) and docs else None
        services = top.get("services") if isinstance(top, YMap) else None
        for service in services.values() if isinstance(services, YMap) else ():
            build = _local_build(service.get("build") if isinstance(service, YMap) else None)
            if build is None:
                continue
            folder = normpath(join(dirname(path), build[0]))
            if not folder.startswith(".."):
                folder = "" if folder == "." else folder
                out.setdefault(normpath(join(folder, build[1])), folder)
    return out


def _local_build(build: object) -> tuple[str, str] | None:
    """(context, Dockerfile name) of a `build:` that names a local folder without variables."""
    if isinstance(build, str):
        context, name = build, "Dockerfile"
    elif isinstance(build, dict):
        context, name = build.get("context", "."), build.get("dockerfile", "Dockerfile")
    else:
        return None
    if not isinstance(context, str) or not isinstance(name, str) or "$" in context + name:
        return None
    return None if "://" in context or context.startswith("git@") else (context, name)


def build_context(
    repo: RepoContext, dockerfile: str, doc: DockerfileDoc, folders: set[str], declared: dict[str, str]
) -> str | None:
    """The build context's folder ("" for the root), or None when nothing tells: a compose file's
    `build:` first, then the sources; `folders` holds every folder of the repository."""
    if dockerfile in declared:
        return declared[dockerfile]
    sources = _checkable_sources(doc)
    folder = dirname(dockerfile)
    while sources:
        if all(_exists(repo, folders, join(folder, s) if folder else s) for s in sources):
            return folder
        if not folder:
            break  # sources built elsewhere, or generated before the build
        folder = dirname(folder)
    return None


def ignore_file(repo: RepoContext, dockerfile: str, context: str) -> str | None:
    """The .dockerignore Docker reads: `<Dockerfile>.dockerignore`, else the context's own."""
    own = f"{dockerfile}.dockerignore"
    if repo.exists(own):
        return own
    candidate = join(context, ".dockerignore") if context else ".dockerignore"
    return candidate if repo.exists(candidate) else None


def all_folders(repo: RepoContext) -> set[str]:
    folders: set[str] = set()
    for path in repo.files:
        folder = dirname(path)
        while folder and folder not in folders:
            folders.add(folder)
            folder = dirname(folder)
    return folders


def _checkable_sources(doc: DockerfileDoc) -> list[str]:
    """Local COPY/ADD sources with a literal path (up to the first wildcard)."""
    out: list[str] = []
    for ins in doc.instructions:
        if ins.cmd not in ("COPY", "ADD") or ins.flag("from") is not None:
            continue
        for src in facts.copy_sources(ins):
            if facts.is_remote(src) or "$" in src:
                continue
            literal = src
            for char in _GLOB:
                literal = literal.split(char, 1)[0]
            literal = normpath(dirname(literal) if literal != src else literal)
            if literal not in (".", "/", "") and not literal.startswith(".."):
                out.append(literal.lstrip("/"))
    return out


def _exists(repo: RepoContext, folders: set[str], path: str) -> bool:
    return path in folders or repo.exists(path)
