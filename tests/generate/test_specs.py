"""The runtime and package manager releases a repository declares are the ones its design, image
and CI use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Service
from opsmith.generate.dockerfile import render_dockerfile
from opsmith.generate.specs import container_spec
from opsmith.generate.workflows import render_ci

SERVER = "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT || 3000)\n"
NODE = {
    "package.json": '{"name": "web", "scripts": {"start": "node index.js"}}\n',
    "index.js": SERVER + "// /healthz\n",
}
PYTHON = {
    "requirements.txt": "flask==3.1.0\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n"
    "@app.get('/healthz')\ndef h():\n    return 'ok'\n",
    "Procfile": "web: flask run --port 8000\n",
}
GO = {
    "go.mod": "module example.com/web\n\ngo 1.23.0\n\ntoolchain go1.23.4\n",
    "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n',
}


def _generated(root: Path, files: dict[str, str | bytes]) -> tuple[Service, str, dict[str, Any]]:
    design = decide(analyze(write_tree(root, files)), Needs(users=100))
    service = design.services[0]
    spec = container_spec(service)
    assert spec is not None
    return service, render_dockerfile(spec), yaml.safe_load(render_ci(design))


def _setup(ci: dict[str, Any], action: str) -> dict[str, Any]:
    steps = [s for job in ci["jobs"].values() for s in job.get("steps", [])]
    step = next(s for s in steps if str(s.get("uses", "")).startswith(action + "@"))
    return dict(step["with"])


# image repository, setup action and its version input, per ecosystem
SETUP = {
    "node": ("node", "actions/setup-node", "node-version"),
    "python": ("python", "actions/setup-python", "python-version"),
    "go": ("golang", "actions/setup-go", "go-version"),
}


@pytest.mark.parametrize(
    ("files", "declared", "ecosystem"),
    [
        ({**NODE, ".nvmrc": "v22.12.0\n"}, "22.12.0", "node"),
        ({**NODE, ".node-version": "20.11.1\n"}, "20.11.1", "node"),
        ({**PYTHON, ".python-version": "3.12.4\n"}, "3.12.4", "python"),
        (GO, "1.23.4", "go"),
    ],
)
def test_the_declared_runtime_release_is_the_image_and_ci_one(
    tmp_path: Path, files: dict[str, str | bytes], declared: str, ecosystem: str
) -> None:
    image, action, key = SETUP[ecosystem]
    service, dockerfile, ci = _generated(tmp_path, files)
    assert service.build.runtime and service.build.runtime.declared == declared
    assert re.search(rf"^(?:ARG BASE_IMAGE=|FROM ){image}:{re.escape(declared)}-", dockerfile, re.MULTILINE)
    assert _setup(ci, action)[key] == declared


@pytest.mark.parametrize("lock", ["lockfileVersion: '9.0'\n", "lockfileVersion: '6.0'\n"])
def test_pnpm_is_one_pinned_release_in_design_image_and_ci_without_corepack(
    tmp_path: Path, lock: str
) -> None:
    service, dockerfile, ci = _generated(tmp_path, {**NODE, "pnpm-lock.yaml": lock})
    version = service.build.package_manager_version
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"npm install -g pnpm@{version} && pnpm install --frozen-lockfile" in dockerfile
    assert _setup(ci, "pnpm/action-setup")["version"] == version
    assert "corepack" not in dockerfile + yaml.safe_dump(ci)


def test_yarn_berry_gets_its_release_through_a_current_corepack(tmp_path: Path) -> None:
    package = NODE["package.json"].replace('"web",', '"web", "packageManager": "yarn@4.5.3",')
    files: dict[str, str | bytes] = {
        **NODE,
        "package.json": package,
        "yarn.lock": "__metadata:\n  version: 8\n",
    }
    service, dockerfile, ci = _generated(tmp_path, files)
    assert service.build.package_manager_version == "4.5.3"
    assert "corepack prepare yarn@4.5.3 --activate && YARN_ENABLE_IMMUTABLE_INSTALLS=true yarn " in dockerfile
    assert "--frozen-lockfile" not in dockerfile
    steps = [s for job in ci["jobs"].values() for s in job.get("steps", [])]
    assert any("corepack prepare yarn@4.5.3" in str(s.get("run", "")) for s in steps)
