"""Go main packages: which one the image builds, and the design and Dockerfile that follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.analysis.facts import ServiceFacts
from opsmith.analysis.report import to_text
from opsmith.config import ConfigError
from opsmith.design.decide import Needs, decide
from opsmith.generate.dockerfile import render_dockerfile
from opsmith.generate.specs import container_spec

GOMOD = "module example.com/acme/{name}\n\ngo 1.23\n"
SERVER = 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n'
TOOL = "package main\n\nfunc main() {}\n"


def _service(root: Path, files: dict[str, str | bytes], **kwargs: object) -> ServiceFacts:
    facts = analyze(write_tree(root, files), **kwargs)  # type: ignore[arg-type]
    return facts.services[0]


def test_a_cmd_layout_is_built_from_its_package_not_the_root(tmp_path: Path) -> None:
    s = _service(tmp_path, {"go.mod": GOMOD.format(name="shop"), "cmd/server/main.go": SERVER})
    assert s.main_package and s.main_package.value == "./cmd/server"
    assert s.main_package.evidence[0].path == "cmd/server/main.go"
    shown = to_text(analyze(tmp_path))
    assert "main package: ./cmd/server (derived: the only main package)  [cmd/server/main.go:5]" in shown
    service = decide(analyze(tmp_path), Needs(users=100)).services[0]
    spec = container_spec(service)
    assert spec is not None
    assert "-o /out/app ./cmd/server\n" in render_dockerfile(spec)


def test_among_several_the_one_named_like_the_service_is_built(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "go.mod": GOMOD.format(name="billing"),
        "cmd/billing/main.go": SERVER,
        "cmd/admin/main.go": SERVER,
    }
    s = _service(tmp_path, files)
    assert s.main_package and s.main_package.value == "./cmd/billing"
    assert [p.command for p in s.processes] == ["bin/admin"]


def test_among_several_the_only_listener_is_built(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "go.mod": GOMOD.format(name="shop"),
        "cmd/api/main.go": SERVER,
        "cmd/migrate/main.go": TOOL,
    }
    s = _service(tmp_path, files)
    assert s.main_package and s.main_package.value == "./cmd/api"
    assert s.start and s.start.command == "bin/api"


def test_an_ambiguous_choice_is_asked_for_with_the_key_that_answers_it(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "go.mod": GOMOD.format(name="shop"),
        "cmd/public/main.go": SERVER,
        "cmd/internal/main.go": SERVER,
    }
    s = _service(tmp_path, files)
    assert s.main_package is None and s.start is None
    unknown = next(u for u in s.unknowns if u.field == "start")
    assert "main = " in unknown.supply and "./cmd/internal" in unknown.detail
    config = tmp_path / ".opsmith.toml"
    config.write_text('[design.services.shop]\nmain = "./cmd/public"\n')
    settings = {"services": {"shop": {"main": "./cmd/public"}}}
    answered = _service(tmp_path, {}, config_path=config, settings=settings)
    assert answered.main_package and answered.main_package.value == "./cmd/public"
    assert answered.start and answered.start.command == "bin/public"
    assert not [u for u in answered.unknowns if u.field == "start"]


@pytest.mark.parametrize("bad", ["../other", "./cmd/$(id)", "cmd/api", 7])
def test_a_supplied_main_outside_the_module_or_not_a_path_is_refused(tmp_path: Path, bad: object) -> None:
    files: dict[str, str | bytes] = {"go.mod": GOMOD.format(name="shop"), "main.go": SERVER}
    with pytest.raises(ConfigError, match="main"):
        _service(tmp_path, files, settings={"services": {"shop": {"main": bad}}})


def test_main_is_refused_for_a_service_that_is_not_go(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"requirements.txt": "flask\n", "app.py": "import flask\n"}
    name = _service(tmp_path, files).name
    with pytest.raises(ConfigError, match=f"{name} is not Go"):
        analyze(tmp_path, settings={"services": {name: {"main": "./cmd/api"}}})
