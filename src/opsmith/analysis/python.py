"""Python: pip requirements, Poetry, uv, Pipenv, PDM; Django, Flask, FastAPI; Celery workers."""

from __future__ import annotations

import re
from typing import Any

from opsmith.analysis.common import (
    DEFAULT,
    Detection,
    is_source,
    normalise_python,
    present,
    runtime_from,
    tool_versions,
    version_file,
)
from opsmith.analysis.facts import Command, Evidence, Fact, PackageManager, Process, Runtime
from opsmith.analysis.services import CLIENTS
from opsmith.analysis.tree import TextFile, Tree, join

MANIFESTS = ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py", "setup.cfg")
FRAMEWORKS = {"django": "Django", "fastapi": "FastAPI", "flask": "Flask", "starlette": "Starlette"}
WORKERS = ("celery", "rq", "dramatiq", "arq", "huey")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_APP_OBJECT = re.compile(r"^(\w+)\s*(?::\s*[\w.]+\s*)?=\s*(FastAPI|Flask|Celery)\(", re.MULTILINE)
_FACTORY = re.compile(r"^def (create_app|make_app)\(", re.MULTILINE)
_DJANGO_APP = re.compile(r"^(WSGI|ASGI)_APPLICATION\s*=\s*[\"']([\w.]+)\.(\w+)[\"']", re.MULTILINE)
_RUN_PREFIX = {
    "uv": "uv run ",
    "poetry": "poetry run ",
    "pipenv": "pipenv run ",
    "pdm": "pdm run ",
    "pip": "",
}
_INSTALL = {
    "uv": "uv sync --frozen --no-dev",
    "poetry": "poetry install --only main --no-root",
    "pipenv": "pipenv install --deploy",
    "pdm": "pdm sync --prod",
}


def detect(tree: Tree, folder: str) -> Detection | None:
    pyproject = tree.read(join(folder, "pyproject.toml"))
    data = pyproject.toml() if pyproject else {}
    requirements = tree.read(join(folder, "requirements.txt"))
    pipfile = tree.read(join(folder, "Pipfile"))
    anchor = pyproject or requirements or pipfile or tree.first(folder, "setup.py", "setup.cfg")
    if anchor is None:
        return None
    found = Detection("python", folder, anchor.whole())
    project = _table(data, "project")
    poetry = _table(data, "tool", "poetry")
    found.name = _str(project.get("name")) or _str(poetry.get("name"))
    found.languages.append(Fact("Python", (anchor.whole(),)))
    if pyproject:
        _pyproject_deps(found, pyproject, data)
    if requirements:
        _requirements(found, tree, requirements, set())
    if pipfile:
        for section in ("packages", "dev-packages"):
            for name in _table(pipfile.toml(), section):
                found.deps.setdefault(normalise_python(name), pipfile.at(rf"^\s*\"?{re.escape(name)}\"?\s*="))
    found.package_manager = _package_manager(
        tree,
        folder,
        anchor=anchor,
        pyproject=pyproject,
        data=data,
        requirements=requirements,
        pipfile=pipfile,
    )
    found.runtime = _runtime(tree, folder, pyproject, data, pipfile)
    for dep, framework in FRAMEWORKS.items():
        if dep in found.deps:
            found.add_framework(framework, found.deps[dep])
    worker = found.first_dep(WORKERS)
    if worker:
        found.worker = Fact(worker[0], (worker[1],))
    found.map_dependencies(CLIENTS["python"])
    _commands(found, tree, folder, pyproject, data)
    return found


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dep_line(text: TextFile, raw: str) -> Evidence:
    name = re.sub(r"[-_.]+", "[-_.]", re.escape(raw).replace("\\-", "-").replace("\\.", "."))
    return text.at(rf"(?i)(?:^|[\"'\s])\"?{name}\"?(?=[\s\[<>=~!;,\"'@]|$)")


def _pyproject_deps(found: Detection, text: TextFile, data: dict[str, Any]) -> None:
    lists: list[Any] = [_table(data, "project").get("dependencies")]
    lists.extend(_table(data, "project", "optional-dependencies").values())
    lists.extend(_table(data, "dependency-groups").values())
    lists.append(_table(data, "tool", "uv").get("dev-dependencies"))
    lists.extend(_table(data, "tool", "pdm", "dev-dependencies").values())
    for items in lists:
        for item in items if isinstance(items, list) else []:
            match = _REQUIREMENT.match(item) if isinstance(item, str) else None
            if match:
                found.deps.setdefault(normalise_python(match.group(1)), _dep_line(text, match.group(1)))
    poetry = _table(data, "tool", "poetry")
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables.extend(
        _table(group, "dependencies") for group in _table(poetry, "group").values() if isinstance(group, dict)
    )
    for table in tables:
        for name in table:
            if name != "python":
                found.deps.setdefault(normalise_python(name), text.at(rf"^\s*\"?{re.escape(name)}\"?\s*="))


def _requirements(found: Detection, tree: Tree, text: TextFile, seen: set[str]) -> bool:
    """Reads requirement names (following `-r other.txt`); True when every one is pinned with ==."""
    seen.add(text.relpath)
    pinned = True
    folder = text.relpath.rsplit("/", 1)[0] if "/" in text.relpath else "."
    for number, line in enumerate(text.lines, start=1):
        body = line.split(" #", 1)[0].strip()
        include = re.match(r"^(?:-r|--requirement)\s+(\S+)", body)
        if include:
            other = tree.read(join(folder, include.group(1)))
            if other and other.relpath not in seen:
                pinned = _requirements(found, tree, other, seen) and pinned
            continue
        if not body or body.startswith(("#", "-")):
            continue
        match = _REQUIREMENT.match(body)
        if match:
            found.deps.setdefault(normalise_python(match.group(1)), text.evidence(number))
            pinned = pinned and "==" in match.group(3)
    return pinned


def _package_manager(
    tree: Tree,
    folder: str,
    *,
    anchor: TextFile,
    pyproject: TextFile | None,
    data: dict[str, Any],
    requirements: TextFile | None,
    pipfile: TextFile | None,
) -> PackageManager:
    for lock, manager in (
        ("uv.lock", "uv"),
        ("poetry.lock", "poetry"),
        ("Pipfile.lock", "pipenv"),
        ("pdm.lock", "pdm"),
    ):
        path = present(tree, folder, (lock,))
        if path:
            return PackageManager(manager, path, (Evidence(path, None),))
    if pyproject:
        for tool in ("poetry", "uv", "pdm"):
            if _table(data, "tool", tool):
                return PackageManager(tool, None, (pyproject.at(rf"^\[tool\.{tool}[\].]"),))
    if pipfile:
        return PackageManager("pipenv", None, (pipfile.whole(),))
    if requirements:
        pinned = _requirements(Detection("python", folder, anchor.whole()), tree, requirements, set())
        return PackageManager("pip", requirements.relpath if pinned else None, (requirements.whole(),))
    return PackageManager("pip", None, (anchor.whole(),))


def _runtime(
    tree: Tree, folder: str, pyproject: TextFile | None, data: dict[str, Any], pipfile: TextFile | None
) -> Runtime | None:
    found = version_file(tree, folder, "python", (".python-version",))
    if found:
        return found
    requires = _table(data, "project").get("requires-python")
    if pyproject and isinstance(requires, str):
        return runtime_from("python", requires, pyproject.at(r"^\s*requires-python\s*="))
    poetry_python = _table(data, "tool", "poetry", "dependencies").get("python")
    if pyproject and isinstance(poetry_python, str):
        return runtime_from("python", poetry_python, pyproject.at(r"^\s*python\s*="))
    if pipfile:
        line = pipfile.find(r"^\s*python_(?:full_)?version\s*=")
        if line:
            return runtime_from("python", pipfile.lines[line - 1].split("=", 1)[1], pipfile.evidence(line))
    runtime_txt = tree.read(join(folder, "runtime.txt"))
    if runtime_txt and runtime_txt.text.strip().startswith("python-"):
        return runtime_from("python", runtime_txt.lines[0].strip()[7:], runtime_txt.evidence(1))
    return tool_versions(tree, folder, "python", "python")


# tool -> (purpose, command, config files, pyproject table)
_TOOLS = (
    ("pytest", "test", "pytest", ("pytest.ini",), "pytest"),
    ("ruff", "lint", "ruff check .", ("ruff.toml", ".ruff.toml"), "ruff"),
    ("flake8", "lint", "flake8", (".flake8",), None),
    ("pylint", "lint", "pylint", (".pylintrc", "pylintrc"), "pylint"),
    ("mypy", "typecheck", "mypy .", ("mypy.ini", ".mypy.ini"), "mypy"),
    ("pyright", "typecheck", "pyright", ("pyrightconfig.json",), "pyright"),
)


def _commands(
    found: Detection, tree: Tree, folder: str, pyproject: TextFile | None, data: dict[str, Any]
) -> None:
    manager = found.package_manager.name if found.package_manager else "pip"
    prefix = _RUN_PREFIX.get(manager, "")
    install = _INSTALL.get(manager)
    if install is None:
        install = (
            "pip install -r requirements.txt"
            if tree.exists(join(folder, "requirements.txt"))
            else "pip install ."
        )
    found.add_command("install", install, found.manifest, "convention")
    for tool, purpose, command, files, table in _TOOLS:
        config = present(tree, folder, files)
        evidence: Evidence | None = Evidence(config, None) if config else None
        if evidence is None and pyproject and table and _table(data, "tool", table):
            evidence = pyproject.at(rf"^\[tool\.{table}[\].]")
        origin = "declared" if evidence else "derived"
        evidence = evidence or found.deps.get(tool)
        if evidence:
            found.add_command(purpose, prefix + command, evidence, origin)  # type: ignore[arg-type]
    manage = tree.read(join(folder, "manage.py"))
    if manage and "django" in found.deps:
        found.add_command("test", f"{prefix}python manage.py test", manage.whole(), "convention")


def entrypoints(found: Detection, tree: Tree, files: list[str]) -> None:
    """The start command from the module that creates the app object, and Celery processes."""
    prefix = _RUN_PREFIX.get(found.package_manager.name if found.package_manager else "pip", "")
    for relpath in files:
        if not relpath.endswith(".py") or not is_source(relpath):
            continue
        text = tree.read(relpath)
        if text is None:
            continue
        module, app_dir = _module(relpath, found.folder)
        for match in _APP_OBJECT.finditer(text.text):
            variable, kind = match.group(1), match.group(2)
            evidence = text.evidence(text.text.count("\n", 0, match.start()) + 1)
            if kind == "Celery":
                _celery(found, prefix, module, variable, evidence=evidence, text=text)
            elif found.start is None:
                found.start = _web_start(
                    found, prefix, f"{module}:{variable}", kind, app_dir=app_dir, evidence=evidence
                )
        factory = _FACTORY.search(text.text)
        if factory and found.start is None and "flask" in found.deps:
            evidence = text.evidence(text.text.count("\n", 0, factory.start()) + 1)
            found.start = _web_start(
                found, prefix, f"{module}:{factory.group(1)}()", "Flask", app_dir=app_dir, evidence=evidence
            )
        django = _DJANGO_APP.search(text.text)
        if django and found.start is None:
            evidence = text.evidence(text.text.count("\n", 0, django.start()) + 1)
            target = f"{django.group(2)}:{django.group(3)}"
            found.start = _web_start(
                found, prefix, target, django.group(1), app_dir=app_dir, evidence=evidence
            )


def _module(relpath: str, folder: str) -> tuple[str, str | None]:
    inner = relpath[len(folder) + 1 :] if folder not in (".", "") else relpath
    app_dir = None
    if inner.startswith("src/"):
        inner, app_dir = inner[4:], "src"
    module = inner[:-3].replace("/", ".")
    return module.removesuffix(".__init__"), app_dir


def _web_start(
    found: Detection, prefix: str, target: str, kind: str, *, app_dir: str | None, evidence: Evidence
) -> Command | None:
    asgi = kind in ("FastAPI", "ASGI")
    if asgi and "uvicorn" in found.deps:
        extra = f" --app-dir {app_dir}" if app_dir else ""
        command = f"{prefix}uvicorn {target} --host 0.0.0.0 --port 8000{extra}"
        server = "uvicorn"
    elif "gunicorn" in found.deps:
        worker = " -k uvicorn.workers.UvicornWorker" if asgi else ""
        extra = f" --chdir {app_dir}" if app_dir else ""
        command = f"{prefix}gunicorn {target} --bind 0.0.0.0:8000{worker}{extra}"
        server = "gunicorn"
    else:
        found.start_note = (
            f"the {kind} app object is at {evidence}, but no production server (gunicorn, uvicorn) is among"
            " the dependencies"
        )
        return None
    found.add_port(
        DEFAULT, 8000, found.deps[server], "convention", f"{server}'s port in the derived start command"
    )
    return Command(
        "start", command, (evidence, found.deps[server]), "derived", f"{kind} app served by {server}"
    )


def _celery(
    found: Detection, prefix: str, module: str, variable: str, *, evidence: Evidence, text: TextFile
) -> None:
    target = module if variable in ("app", "celery") else f"{module}:{variable}"
    found.processes.append(
        Process(
            "worker", "worker", f"{prefix}celery -A {target} worker --loglevel=INFO", (evidence,), "derived"
        )
    )
    beat = text.find(r"beat_schedule|@\w+\.on_after_configure|crontab\(")
    if beat:
        found.processes.append(
            Process(
                "beat",
                "worker",
                f"{prefix}celery -A {target} beat --loglevel=INFO",
                (text.evidence(beat),),
                "derived",
            )
        )
