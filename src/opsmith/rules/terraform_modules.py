"""Terraform files grouped the way Terraform reads them: one module per directory, root modules
(where `terraform plan` runs and state lives) told apart from the modules they call.

A directory is a root module when it holds `.tf` files, is not called by another module through a
local `source = "../x"`, does not sit under a `modules/` folder or in the `examples/`/`tests/`
folder of another module, and configures a backend, a provider, or has `*.tfvars` files beside it.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from posixpath import dirname, join, normpath

from opsmith.parse.terraform import Attribute, Block, Expr, TerraformDoc
from opsmith.rules.base import RepoContext

_MAX_CHAINS = 64  # call chains followed per module, against pathological module graphs
_LOCAL_SOURCE = re.compile(r"^\.\.?(/|$)")
_EXAMPLE_DIRS = frozenset({"examples", "example", "test", "tests", "testdata", "fixtures"})
_OVERRIDE = re.compile(r"(^|_)override\.tf$")
ENV_NAMES = frozenset(
    {
        "dev",
        "develop",
        "development",
        "test",
        "testing",
        "qa",
        "uat",
        "stage",
        "staging",
        "stg",
        "preprod",
        "prod",
        "production",
        "prd",
        "live",
        "sandbox",
        "nonprod",
        "demo",
        "perf",
    }
)
ENV_CONTAINERS = frozenset({"environments", "environment", "envs", "env", "live", "stages", "deployments"})


@dataclass(frozen=True)
class Located:
    """A block with the file it sits in."""

    path: str
    block: Block


@dataclass(frozen=True)
class ModuleCall:
    path: str
    block: Block
    source: str | None  # the literal source, if it is one
    target: str | None  # the repository directory of a local source


@dataclass
class Module:
    dir: str  # '' for the repository root
    docs: list[tuple[str, TerraformDoc]]
    complete: bool  # every .tf file of the directory parsed
    has_tfvars: bool = False
    calls: list[ModuleCall] = field(default_factory=list)
    callers: set[str] = field(default_factory=set)  # directories of the modules calling this one
    is_root: bool = False

    def blocks(self, *types: str) -> Iterator[Located]:
        for path, doc in self.docs:
            for block in doc.of(*types):
                yield Located(path, block)

    def settings(self, *types: str) -> Iterator[Located]:
        """Blocks nested in `terraform {}` (backend, cloud, required_providers)."""
        for located in self.blocks("terraform"):
            for block in located.block.of(*types):
                yield Located(located.path, block)

    def setting(self, name: str) -> tuple[str, Attribute] | None:
        """An attribute of `terraform {}` such as required_version."""
        for located in self.blocks("terraform"):
            attr = located.block.attributes.get(name)
            if attr is not None:
                return located.path, attr
        return None

    @cached_property
    def backends(self) -> list[Located]:
        return list(self.settings("backend", "cloud"))

    @cached_property
    def providers(self) -> list[Located]:
        return list(self.blocks("provider"))

    def provider_block(self, name: str, alias: str | None = None) -> Block | None:
        for located in self.providers:
            block = located.block
            own_alias = block.value("alias")
            if block.label == name and (own_alias.string if own_alias else None) == alias:
                return block
        return None

    @cached_property
    def required_providers(self) -> list[tuple[str, Attribute]]:
        """(path, entry) of every `required_providers` entry."""
        return [
            (loc.path, attr)
            for loc in self.settings("required_providers")
            for attr in loc.block.attributes.values()
        ]

    def versioned_providers(self) -> set[str]:
        """Local names this module gives a version constraint."""
        return {attr.name for _, attr in self.required_providers if has_version(attr.value)}

    def where(self) -> tuple[str, int]:
        """Where a finding about the whole module goes: its `terraform {}` block, else its first
        provider block, else line 1 of main.tf (or of its first file)."""
        for types in (("terraform",), ("provider",)):
            for located in self.blocks(*types):
                return located.path, located.block.line
        paths = [p for p, _ in self.docs]
        main = join(self.dir, "main.tf") if self.dir else "main.tf"
        return (main if main in paths else paths[0]), 1

    def exprs(self) -> Iterator[Expr]:
        for _, doc in self.docs:
            for attr in doc.attributes.values():
                yield from attr.value.walk()
            for block in doc.blocks:
                yield from block_exprs(block)

    @property
    def uses_workspaces(self) -> bool:
        return any("terraform.workspace" in e.source for e in self.exprs() if e.kind in ("ref", "template"))


def block_exprs(block: Block) -> Iterator[Expr]:
    for attr in block.attributes.values():
        yield from attr.value.walk()
    for child in block.blocks:
        yield from block_exprs(child)


def has_version(entry: Expr) -> bool:
    """A `required_providers` entry with a version: `{ version = "~> 5.0" }` or the legacy string."""
    if entry.kind == "object":
        version = entry.get("version")
        return version is not None and (version.string is None or bool(version.string.strip()))
    return entry.string is not None and bool(entry.string.strip())


@dataclass
class TerraformRepo:
    modules: dict[str, Module]

    @cached_property
    def roots(self) -> list[Module]:
        return [m for _, m in sorted(self.modules.items()) if m.is_root]

    def roots_of(self, module: Module) -> list[tuple[Module, list[ModuleCall]]]:
        """The root modules that reach `module`, once per chain of `module` calls from the root
        (a root may call the same module twice with different providers)."""
        found: list[tuple[Module, list[ModuleCall]]] = []

        def visit(current: Module, chain: list[ModuleCall], visiting: frozenset[str]) -> None:
            if current.is_root:
                found.append((current, chain))
            for caller_dir in sorted(current.callers - visiting):
                caller = self.modules[caller_dir]
                for call in caller.calls:
                    if call.target == current.dir and len(found) < _MAX_CHAINS:
                        visit(caller, [call, *chain], visiting | {caller_dir})

        visit(module, [], frozenset({module.dir}))
        return found

    def tree(self, root: Module) -> list[Module]:
        """The root and every local module it calls, directly or not."""
        out: list[Module] = []
        stack = [root]
        while stack:
            module = stack.pop()
            if module in out:
                continue
            out.append(module)
            stack.extend(self.modules[c.target] for c in module.calls if c.target in self.modules)
        return out


_CACHE: weakref.WeakKeyDictionary[object, TerraformRepo] = weakref.WeakKeyDictionary()


def terraform_repo(repo: RepoContext, family: str = "terraform") -> TerraformRepo:
    """The module view of the repository, built once per audit run."""
    try:
        cached = _CACHE.get(repo)
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    model = _build(repo, family)
    with contextlib.suppress(TypeError):  # a context that cannot be weakly referenced
        _CACHE[repo] = model
    return model


def _build(repo: RepoContext, family: str) -> TerraformRepo:
    by_dir: dict[str, list[tuple[str, TerraformDoc]]] = {}
    for path, doc in repo.documents(family):
        if not path.endswith(".tfvars"):  # values for a module, not part of one
            by_dir.setdefault(dirname(path), []).append((path, doc))
    tfvars_dirs = {dirname(p) for p in repo.files if p.endswith((".tfvars", ".tfvars.json"))}
    modules = {
        d: Module(d, sorted(docs, key=lambda item: item[0]), _complete(repo, d, docs), d in tfvars_dirs)
        for d, docs in by_dir.items()
    }
    for module in modules.values():
        for located in module.blocks("module"):
            source_expr = located.block.value("source")
            source = source_expr.string if source_expr else None
            target = None
            if source is not None and _LOCAL_SOURCE.match(source):
                target = normpath(join(module.dir, source)) if module.dir else normpath(source)
                target = "" if target == "." else target
            module.calls.append(ModuleCall(located.path, located.block, source, target))
            if target is not None and target in modules and target != module.dir:
                modules[target].callers.add(module.dir)
    for module in modules.values():
        module.is_root = _is_root(module, modules)
    return TerraformRepo(modules)


def _complete(repo: RepoContext, folder: str, docs: list[tuple[str, TerraformDoc]]) -> bool:
    parsed = {p for p, _ in docs}
    try:
        on_disk = {
            join(folder, entry.name) if folder else entry.name
            for entry in (repo.root / folder).iterdir()
            if entry.name.endswith(".tf") and not _OVERRIDE.search(entry.name) and entry.is_file()
        }
    except OSError:
        return True
    return on_disk <= parsed


def _is_root(module: Module, modules: dict[str, Module]) -> bool:
    if module.callers:
        return False
    parts = module.dir.split("/") if module.dir else []
    if "modules" in parts:
        return False
    for i in range(len(parts)):
        ancestor = "/".join(parts[:i])
        if ancestor in modules and parts[i] in _EXAMPLE_DIRS:
            return False  # the usage example or test fixture of the module above it
    return bool(module.backends or module.providers or module.has_tfvars)


def provider_of(resource_type: str, meta: Expr | None = None) -> str:
    """The provider local name a resource uses: its `provider = x.alias`, else its type prefix."""
    if meta is not None and meta.kind == "ref":
        return meta.source.split(".", 1)[0].strip()
    return resource_type.split("_", 1)[0]


def alias_of(meta: Expr | None) -> str | None:
    if meta is not None and meta.kind == "ref" and "." in meta.source:
        return meta.source.split(".", 1)[1].strip()
    return None


def env_tokens(path: str) -> set[str]:
    """The words of a path, split on separators: `envs/prod-eu` -> {envs, prod, eu}."""
    return {w for w in re.split(r"[/._-]+", path.lower()) if w}


def is_env_dir(folder: str) -> bool:
    parts = folder.lower().split("/") if folder else []
    return any(p in ENV_CONTAINERS for p in parts) or bool(env_tokens(folder) & ENV_NAMES)
