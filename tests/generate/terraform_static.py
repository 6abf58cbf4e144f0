"""A static cross-check of a Terraform tree, for configurations `terraform validate` cannot load
offline (providers or registry modules that would have to be downloaded).

For every directory with `.tf` files: each file parses with python-hcl2; every `var.X` is
a declared variable, every `local.X` a defined local, every `module.M.O` a module call M whose
(local) module declares output O; every argument of a call to a local module is one of its
variables and every variable without a default is passed. For root modules (those with a
terraform.tfvars), every variable without a default has a value there or a comment naming it
(passed as TF_VAR_), and the tfvars sets nothing undeclared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

_COMMENT = re.compile(r"(?m)(?:^|\s)(?:#|//).*$")
_VAR = re.compile(r"\bvar\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"\blocal\.([A-Za-z_][\w-]*)")
_MODULE = re.compile(r"\bmodule\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
_META = {"source", "version", "providers", "count", "for_each", "depends_on"}


@dataclass
class Folder:
    path: Path
    variables: dict[str, bool] = field(default_factory=dict)  # name -> has a default
    locals: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # module name -> arguments
    text: str = ""


def _label(key: str) -> str:
    return key.strip('"')


@cache
def _parse(source: str) -> dict[str, Any]:
    """Generated trees repeat the same files many times; python-hcl2 is slow, so parse each once."""
    return hcl2.loads(source)  # type: ignore[no-any-return]


def load(folder: Path) -> Folder:
    out = Folder(folder)
    for tf in sorted(folder.glob("*.tf")):
        source = tf.read_text()
        try:
            doc = _parse(source)
        except Exception as exc:  # python-hcl2 raises Lark errors of several types
            raise AssertionError(f"{tf}: does not parse: {exc}") from exc
        out.text += _COMMENT.sub("", source) + "\n"
        for block in doc.get("variable", []):
            for name, body in block.items():
                out.variables[_label(name)] = "default" in body
        for block in doc.get("locals", []):
            out.locals.update(k for k in block if k != "__is_block__")
        for block in doc.get("output", []):
            out.outputs.update(_label(name) for name in block)
        for block in doc.get("module", []):
            for name, body in block.items():
                out.calls[_label(name)] = body
    return out


def problems(root: Path) -> list[str]:
    """Everything wrong with the tree under `root`, one line each."""
    folders = {p.parent: load(p.parent) for p in sorted(root.rglob("*.tf"))}
    found: list[str] = []
    for path, folder in folders.items():
        where = path.relative_to(root)
        for name in sorted(set(_VAR.findall(folder.text)) - set(folder.variables)):
            found.append(f"{where}: var.{name} is not declared")
        for name in sorted(set(_LOCAL.findall(folder.text)) - folder.locals):
            found.append(f"{where}: local.{name} is not defined")
        for call, output in set(_MODULE.findall(folder.text)):
            if call not in folder.calls:
                found.append(f"{where}: module.{call} is not called here")
                continue
            target = _local_module(folder, call, folders)
            if target is not None and output and output not in target.outputs:
                found.append(f"{where}: module.{call}.{output} is not an output of {target.path.name}")
        for call, args in folder.calls.items():
            target = _local_module(folder, call, folders)
            if target is None:
                continue
            passed = {k for k in args if k not in _META and not k.startswith("__")}
            for name in sorted(passed - set(target.variables)):
                found.append(
                    f"{where}: module {call} passes {name}, which {target.path.name} does not declare"
                )
            required = {n for n, has_default in target.variables.items() if not has_default}
            for name in sorted(required - passed):
                found.append(f"{where}: module {call} does not pass required {name}")
        found += _tfvars_problems(path, folder, where)
    return found


def _local_module(folder: Folder, call: str, folders: dict[Path, Folder]) -> Folder | None:
    source = str(folder.calls[call].get("source", "")).strip('"')
    if not source.startswith((".", "/")):
        return None  # a registry module: not available offline
    target = (folder.path / source).resolve()
    match = next((f for p, f in folders.items() if p.resolve() == target), None)
    if match is None:
        raise AssertionError(f"{folder.path}: module {call} points at missing {source}")
    return match


def _tfvars_problems(path: Path, folder: Folder, where: Path) -> list[str]:
    tfvars = path / "terraform.tfvars"
    if not tfvars.exists():
        return []
    text = tfvars.read_text()
    values = {k: v for k, v in _parse(text).items() if not k.startswith("__")}
    found = [
        f"{where}: terraform.tfvars sets undeclared {n}" for n in sorted(set(values) - set(folder.variables))
    ]
    for name, has_default in sorted(folder.variables.items()):
        if not has_default and name not in values and not re.search(rf"(?m)^# {re.escape(name)}: ", text):
            found.append(f"{where}: {name} has no default and no value in terraform.tfvars")
    return found
