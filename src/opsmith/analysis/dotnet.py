""".NET: SDK-style project files (*.csproj, *.fsproj), global.json, ASP.NET Core and worker SDKs."""

from __future__ import annotations

import re

from opsmith.analysis.common import DEFAULT, Detection, derived_start, present, runtime_from
from opsmith.analysis.facts import Fact, PackageManager, Runtime
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import Tree, join

PROJECT_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
_SDK = re.compile(r"<Project\s+Sdk=\"([^\"]+)\"")
_TARGET = re.compile(r"<TargetFrameworks?>\s*net(\d+\.\d+)")
_PACKAGE = re.compile(r"<PackageReference\s+Include=\"([^\"]+)\"")
_ASSEMBLY = re.compile(r"<AssemblyName>\s*([^<\s]+)\s*</AssemblyName>")
TEST_PROJECT = "a test project"
_TEST_PACKAGES = ("xunit", "nunit", "mstest.testframework", "microsoft.net.test.sdk")


def project_file(tree: Tree, folder: str) -> str | None:
    for relpath in tree.under(folder):
        inner = relpath[len(folder) + 1 :] if folder not in (".", "") else relpath
        if "/" not in inner and inner.endswith(PROJECT_SUFFIXES):
            return relpath
    return None


def detect(tree: Tree, folder: str) -> Detection | None:
    path = project_file(tree, folder)
    project = tree.read(path) if path else None
    if project is None:
        return None
    found = Detection("dotnet", folder, project.whole())
    stem = project.relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assembly = _ASSEMBLY.search(project.text)
    found.name = stem
    language = {"fsproj": "F#", "vbproj": "Visual Basic"}.get(project.relpath.rsplit(".", 1)[-1], "C#")
    found.languages.append(Fact(language, (project.whole(),)))
    lock = present(tree, folder, ("packages.lock.json",))
    found.package_manager = PackageManager("nuget", lock, (project.whole(),))
    target = project.find(_TARGET)
    if target:
        found.runtime = runtime_from(
            "dotnet",
            _TARGET.search(project.lines[target - 1]).group(1),  # type: ignore[union-attr]
            project.evidence(target),
        )
    else:
        found.runtime = _global_json(tree, folder)
    for number, line in enumerate(project.lines, start=1):
        package = _PACKAGE.search(line)
        if package:
            found.deps[package.group(1).lower()] = project.evidence(number)
    found.map_dependencies(CLIENTS["dotnet"])
    sdk_line = project.find(_SDK)
    sdk = _SDK.search(project.lines[sdk_line - 1]).group(1) if sdk_line else ""  # type: ignore[union-attr]
    if any(p in found.deps for p in _TEST_PACKAGES):
        found.library_reason = TEST_PROJECT
        return found
    if sdk == "Microsoft.NET.Sdk.Web" and sdk_line:
        evidence = project.evidence(sdk_line)
        found.add_framework("ASP.NET Core", evidence)
        found.add_port(DEFAULT, 8080, evidence, "convention", "ASP.NET Core's container port since .NET 8")
    elif sdk == "Microsoft.NET.Sdk.Worker" and sdk_line:
        found.worker = Fact("Microsoft.NET.Sdk.Worker", (project.evidence(sdk_line),))
    name = assembly.group(1) if assembly else stem
    found.add_command(
        "install", f"dotnet restore {_inner(project.relpath, folder)}", project.whole(), "convention"
    )
    found.add_command(
        "build",
        f"dotnet publish {_inner(project.relpath, folder)} -c Release -o out",
        project.whole(),
        "convention",
    )
    found.add_command("lint", "dotnet format --verify-no-changes", project.whole(), "convention")
    if sdk_line and (found.server or found.worker):
        found.start = derived_start(
            f"dotnet out/{name}.dll", project.evidence(sdk_line), "the assembly `dotnet publish` writes"
        )
    return found


def _global_json(tree: Tree, folder: str) -> Runtime | None:
    for where in dict.fromkeys((folder, ".")):
        text = tree.read(join(where, "global.json"))
        line = text.find(r"\"version\"\s*:") if text else None
        if text and line:
            version = re.search(r":\s*\"([^\"]+)\"", text.lines[line - 1])
            if version:
                return runtime_from("dotnet", version.group(1), text.evidence(line))
    return None


def _inner(relpath: str, folder: str) -> str:
    return relpath[len(folder) + 1 :] if folder not in (".", "") else relpath
