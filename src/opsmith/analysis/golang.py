"""Go modules: go.mod (module, go directive, toolchain, requires), main packages, Gin/Echo/net/http."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from opsmith.analysis.common import Detection, present, runtime_from
from opsmith.analysis.facts import Command, Evidence, Fact, PackageManager, Process, ServiceKind
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import Tree, join

MANIFESTS = ("go.mod",)
FRAMEWORKS = {
    "github.com/gin-gonic/gin": "Gin",
    "github.com/labstack/echo/v4": "Echo",
    "github.com/go-chi/chi/v5": "chi",
    "github.com/gofiber/fiber/v2": "Fiber",
    "github.com/gorilla/mux": "gorilla/mux",
}
WORKERS = ("github.com/hibiken/asynq", "github.com/riverqueue/river", "github.com/RichardKnop/machinery/v2")
_REQUIRE = re.compile(r"^\s*(?:require\s+)?([\w.\-]+\.[\w]+/[\w.\-/~]+)\s+v[\w.\-+]+")
_PACKAGE_MAIN = re.compile(r"^package main\b", re.MULTILINE)
_SERVES = re.compile(r"\b(?:ListenAndServe(?:TLS)?|http\.Server\{|\.Run\(|\.Start\()")


def detect(tree: Tree, folder: str) -> Detection | None:
    gomod = tree.read(join(folder, "go.mod"))
    if gomod is None:
        return None
    found = Detection("go", folder, gomod.whole())
    module_line = gomod.find(r"^module\s+\S+")
    module = gomod.lines[module_line - 1].split()[1] if module_line else ""
    found.name = module.rstrip("/").rsplit("/", 1)[-1] or None
    found.languages.append(Fact("Go", (gomod.evidence(module_line) if module_line else gomod.whole(),)))
    lock = present(tree, folder, ("go.sum",))
    found.package_manager = PackageManager("go", lock, (gomod.whole(),))
    toolchain = gomod.find(r"^toolchain\s+go\S+")
    directive = gomod.find(r"^go\s+\d")
    if toolchain:
        found.runtime = runtime_from(
            "go", gomod.lines[toolchain - 1].split()[1][2:], gomod.evidence(toolchain)
        )
    elif directive:
        found.runtime = runtime_from("go", gomod.lines[directive - 1].split()[1], gomod.evidence(directive))
    for number, line in enumerate(gomod.lines, start=1):
        match = _REQUIRE.match(line)
        if match and not line.lstrip().startswith(("module", "//")):
            found.deps[match.group(1)] = gomod.evidence(number)
    for dep, framework in FRAMEWORKS.items():
        if dep in found.deps:
            found.add_framework(framework, found.deps[dep])
    worker = found.first_dep(WORKERS)
    if worker:
        found.worker = Fact(worker[0].rsplit("/", 1)[-1], (worker[1],))
    found.map_dependencies(CLIENTS["go"])
    found.add_command("install", "go mod download", gomod.whole(), "convention")
    found.add_command("test", "go test ./...", gomod.whole(), "convention")
    lint = present(tree, folder, (".golangci.yml", ".golangci.yaml", ".golangci.toml"))
    if lint:
        found.add_command("lint", "golangci-lint run", Evidence(lint, None))
    else:
        found.add_command("lint", "go vet ./...", gomod.whole(), "convention")
    return found


def entrypoints(found: Detection, tree: Tree, files: list[str], names: tuple[str, ...] = ()) -> None:
    """`package main` folders become the build target and start command (net/http noted when a
    main package serves HTTP with the standard library alone). Among several, the one named like
    the service or repository (`names`) is built, else the only one that listens; otherwise the
    choice is left to `[design.services.NAME] main` and no start command is guessed."""
    mains: dict[str, tuple[Evidence, bool]] = {}
    for relpath in files:
        if not relpath.endswith(".go") or relpath.endswith("_test.go"):
            continue
        text = tree.read(relpath)
        if text is None or not _PACKAGE_MAIN.search(text.text):
            continue
        folder = relpath.rsplit("/", 1)[0] if "/" in relpath else "."
        serves = _SERVES.search(text.text)
        evidence = text.evidence(text.find(_SERVES) or text.find(_PACKAGE_MAIN))
        if '"net/http"' in text.text and serves and not found.frameworks:
            found.add_framework("net/http", text.at(r'"net/http"'))
        previous = mains.get(folder)
        if previous is None or (serves and not previous[1]):
            mains[folder] = (evidence, bool(serves))
    packages = [_package(found, folder, evidence, serving) for folder, (evidence, serving) in mains.items()]
    if not packages:
        return
    chosen = _choose(packages, names)
    if chosen is None:
        found.start_note = (
            f"several main packages ({', '.join(p.target for p in packages)}) and none is named like "
            'the service or is the only one that listens; choose one with main = "./cmd/<name>"'
        )
        return
    found.main_package = Fact(chosen.target, (chosen.evidence,), "derived", chosen.why)
    build = f"CGO_ENABLED=0 go build -o bin/{chosen.name} {chosen.target}"
    found.add_command("build", build, chosen.evidence, "derived")
    found.start = Command(
        "start", f"bin/{chosen.name}", (chosen.evidence,), "derived", f"the binary built from {chosen.target}"
    )
    for other in packages:
        if other.target != chosen.target:
            kind: ServiceKind = "web" if other.serving else "worker"
            found.processes.append(
                Process(other.name, kind, f"bin/{other.name}", (other.evidence,), "derived")
            )


@dataclass(frozen=True)
class _Main:
    target: str  # the package path `go build` takes: "." or "./cmd/api"
    name: str  # the binary's name
    evidence: Evidence
    serving: bool
    why: str = ""


def _package(found: Detection, folder: str, evidence: Evidence, serving: bool) -> _Main:
    if folder == found.folder:
        inner = ""
    else:
        inner = folder if found.folder in (".", "") else folder[len(found.folder) + 1 :]
    name = inner.rsplit("/", 1)[-1] if inner else (found.name or "app")
    return _Main(f"./{inner}" if inner else ".", name, evidence, serving)


def _choose(packages: list[_Main], names: tuple[str, ...]) -> _Main | None:
    if len(packages) == 1:
        return replace(packages[0], why="the only main package")
    root = next((p for p in packages if p.target == "."), None)
    if root is not None:
        return replace(root, why="the module's root package")
    named = [p for p in packages if p.name in names]
    if len(named) == 1:
        return replace(named[0], why=f"named like the service ({named[0].name})")
    serving = [p for p in packages if p.serving]
    if len(serving) == 1:
        return replace(serving[0], why="the only main package that listens")
    return None
