"""Kustomize: what a kustomization reads, and its rendered objects reported where they were written.

Rendering runs the real `kubectl kustomize` (offline); those tests are skipped where kubectl is not
installed.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.audit.engine import Target, audit
from opsmith.config import Config
from opsmith.parse import kustomize
from opsmith.parse.kustomize import MAX_PATCHES, MAX_RESOURCES, _line_naming, error_text, read_kustomization
from opsmith.parse.yaml_tree import YMap, load_documents

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None and shutil.which("kustomize") is None,
    reason="neither kubectl nor kustomize is installed",
)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: shop/api
"""


def test_what_a_kustomization_reads() -> None:
    kust = read_kustomization(
        _yaml(
            """\
            kind: Kustomization
            resources: [../base, svc.yaml, "https://github.com/org/repo//deploy?ref=v1"]
            components: [../../components/tls]
            patches:
              - path: patches/replicas.yaml
              - patch: |-
                  - op: replace
            patchesStrategicMerge:
              - memory.yaml
              - |-
                apiVersion: v1
            configMapGenerator:
              - name: settings
                files: [app.properties, key=secret.txt]
            crds: [crds/thing.yaml]
            """
        ),
        "k8s/prod/kustomization.yaml",
    )
    assert kust.directory == "k8s/prod" and not kust.component
    assert kust.references == {
        "k8s/base",
        "k8s/prod/svc.yaml",
        "components/tls",
        "k8s/prod/patches/replicas.yaml",
        "k8s/prod/memory.yaml",
        "k8s/prod/app.properties",
        "k8s/prod/secret.txt",
        "k8s/prod/crds/thing.yaml",
    }
    assert kust.remote == ("https://github.com/org/repo//deploy?ref=v1",)
    assert kust.generators == (("configMapGenerator", "settings", 13),)
    assert kust.patches == (
        "k8s/prod/memory.yaml",
        "apiVersion: v1",
        "k8s/prod/patches/replicas.yaml",
        "- op: replace",
    )
    root = read_kustomization(_yaml("kind: Component\nresources: [a.yaml]\n"), "kustomization.yaml")
    assert root.directory == "." and root.component and root.references == {"a.yaml"}


def _yaml(text: str) -> YMap:
    import textwrap

    docs = load_documents(textwrap.dedent(text))
    assert isinstance(docs, list) and isinstance(docs[0], YMap)
    return docs[0]


@needs_kubectl
def test_overlay_output_is_mapped_back_to_base_lines_and_generators(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "k8s/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "k8s/base/deployment.yaml": DEPLOYMENT,
            "k8s/prod/kustomization.yaml": (
                "namespace: shop\nnamePrefix: prod-\nresources: [../base]\n"
                "configMapGenerator:\n  - name: settings\n    literals: [MODE=prod]\n"
                "images:\n  - {name: shop/api, newTag: '1.2.3'}\n"
            ),
        },
    )
    result = audit_tree(tmp_path, Config(select=("KU001", "KU013", "KU016")))
    assert found(result) == [
        ("KU013", "k8s/base/deployment.yaml", 3),  # the base's line, not the rendered text's
        ("KU013", "k8s/prod/kustomization.yaml", 5),  # the generated ConfigMap: its generator entry
    ]
    messages = [f.message for f in result.findings]
    assert messages[0] == (
        "Deployment api has no label saying what it belongs to (`app.kubernetes.io/name`, `app`, ...) "
        "(as rendered by k8s/prod)"
    )
    assert "(as rendered by" not in messages[1]  # written in the kustomization that rendered it


_CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


COSTLY_PATCHES = {
    "a deep patch file": {
        "app/overlay/kustomization.yaml": "resources: [../base]\npatches: [{path: deep.yaml}]\n",
        "app/overlay/deep.yaml": f"{_CONFIG_MAP}x: {_nested(2000)}\n",
    },
    "a deep inline patch": {
        "app/overlay/kustomization.yaml": "resources: [../base]\npatches:\n  - patch: |-\n"
        + textwrap.indent(f"{_CONFIG_MAP}x: {_nested(300)}\n", "      "),
    },
    "a base with a large patch": {
        "app/overlay/kustomization.yaml": "resources: [../middle]\n",
        "app/middle/kustomization.yaml": "resources: [../base]\npatchesStrategicMerge: [wide.yaml]\n",
        "app/middle/wide.yaml": f"{_CONFIG_MAP}x:\n"
        + "".join(f"  k{i}: {_nested(10)}\n" for i in range(1100)),
    },
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(COSTLY_PATCHES))
def test_patches_kustomize_would_take_minutes_on_are_reported_not_rendered(tmp_path: Path, case: str) -> None:
    base = {
        "app/base/kustomization.yaml": "resources: [cm.yaml]\n",
        "app/base/cm.yaml": f"{_CONFIG_MAP}data: {{a: b}}\n",
    }
    write_tree(tmp_path, {**base, **COSTLY_PATCHES[case]})
    result = audit_tree(tmp_path, Config(select=("KU014",)))
    [message] = [f.message for f in result.findings if f.path == "app/overlay/kustomization.yaml"]
    assert message.startswith("kustomize not run on app/overlay: ")
    assert "nests" in message or "11,003 mappings" in message


@needs_kubectl
def test_a_kustomization_that_does_not_build_is_reported_on_it(tmp_path: Path) -> None:
    kustomization = "commonLabels: {team: a}\nresources:\n  - deploy.yaml\n  - missing.yaml\n"
    deploy = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
    write_tree(tmp_path, {"app/kustomization.yaml": kustomization, "app/deploy.yaml": deploy})
    result = audit_tree(tmp_path, Config(select=("KU014",)))
    # on the line that lists the resource it could not read
    assert found(result) == [("KU014", "app/kustomization.yaml", 4)]
    message = result.findings[0].message
    assert message.startswith("kustomize cannot build app:") and "missing.yaml" in message
    assert str(tmp_path) not in message and "opsmith-kustomize" not in message
    assert "deprecated" not in message and "Warning" not in message  # commonLabels' warning


def test_the_error_is_kept_and_deprecation_warnings_dropped() -> None:
    warning = "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead.\n"
    logged = 'E1207 19:07:50.766795   14622 run.go:72] "command failed" err="accumulating resources: x"\n'
    assert error_text(warning + logged) == "accumulating resources: x"
    assert error_text(warning + "Error: no kustomization file\n") == "no kustomization file"
    assert error_text(warning) == "unknown error"


def test_the_failure_points_at_the_line_naming_what_failed_or_line_1() -> None:
    text = "resources:\n  - base  # the base\n  - extra/cm.yaml\npatches:\n  - path: fix.yaml\n"
    assert _line_naming(text, "app", "accumulating resources from 'app/extra/cm.yaml': missing") == 3
    assert _line_naming(text, "app", 'trouble configuring patch "fix.yaml": no such file') == 5
    assert _line_naming(text, "app", "accumulating resources from 'base2': missing") == 1


@needs_kubectl
def test_one_file_of_a_base_given_alone_is_audited_as_its_kustomization_renders_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": "namespace: shop\nresources: [deployment.yaml]\n",
            "base/deployment.yaml": DEPLOYMENT,
            "other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        },
    )
    result = audit(Target(tmp_path, (tmp_path / "base/deployment.yaml",)), Config(select=("KU001", "KU016")))
    assert found(result) == [("KU001", "base/deployment.yaml", 14)]  # namespace set: no KU016


def test_without_kustomize_or_kubectl_the_kustomization_gets_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    write_tree(
        tmp_path, {"k8s/kustomization.yaml": "resources: [deploy.yaml]\n", "k8s/deploy.yaml": DEPLOYMENT}
    )
    result = audit_tree(tmp_path, Config(select=("KU",)))
    assert found(result) == [("KU018", "k8s/kustomization.yaml", None)]
    assert "neither kustomize nor kubectl is installed" in result.findings[0].message


_REPLICAS_PATCH = (
    "  - target: {kind: Deployment, name: api}\n"
    "    patch: |-\n      - {op: replace, path: /spec/replicas, value: 3}\n"
)


@needs_kubectl
@pytest.mark.parametrize(
    ("kustomization", "count"),
    [
        ("resources: [deployment.yaml]\npatches:\n" + _REPLICAS_PATCH * (MAX_PATCHES + 1), "101 patches"),
        ("resources:\n" + "".join(f"- r{i}.yaml\n" for i in range(MAX_RESOURCES + 1)), "1,001 files"),
    ],
)
def test_too_many_patches_or_resources_are_reported_not_rendered(
    tmp_path: Path, kustomization: str, count: str
) -> None:
    write_tree(tmp_path, {"k8s/kustomization.yaml": kustomization, "k8s/deployment.yaml": DEPLOYMENT})
    result = audit_tree(tmp_path, Config(select=("KU014",)))
    [message] = [f.message for f in result.findings if f.path == "k8s/kustomization.yaml"]
    assert message.startswith("kustomize not run on k8s: ") and count in message


@needs_kubectl
def test_patches_up_to_the_bound_are_rendered(tmp_path: Path) -> None:
    kustomization = "resources: [deployment.yaml]\npatches:\n" + _REPLICAS_PATCH * MAX_PATCHES
    write_tree(tmp_path, {"k8s/kustomization.yaml": kustomization, "k8s/deployment.yaml": DEPLOYMENT})
    result = audit_tree(tmp_path, Config(select=("KU014",)))
    assert not [f for f in result.findings if f.path == "k8s/kustomization.yaml"]


_WORKER = DEPLOYMENT.replace(" api", " api-worker").replace("/api", "/worker")
_PLACEMENT_TREE = {
    "base/kustomization.yaml": "resources: [deployment.yaml, worker.yaml]\n",
    "base/deployment.yaml": DEPLOYMENT,
    "base/worker.yaml": _WORKER,
    "policy/kustomization.yaml": "kind: Component\nresources: [policy.yaml]\n",
    "policy/policy.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api}\n",
    # a prefix, a suffix, a component and a patch file that writes the same object
    "prod/kustomization.yaml": (
        "namePrefix: prod-\nnameSuffix: -eu\nresources: [../base]\ncomponents: [../policy]\n"
        "patches: [{path: replicas.yaml}]\n"
    ),
    "prod/replicas.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3}\n"
    ),
    # names that do not say where the object comes from: generated, renamed
    "generated/kustomization.yaml": (
        "resources: [../base]\nconfigMapGenerator: [{name: settings, literals: [a=b]}]\n"
    ),
    "renamed/kustomization.yaml": (
        "resources: [../base]\npatches:\n- target: {kind: Deployment, name: api-worker}\n"
        "  patch: |-\n    - {op: replace, path: /metadata/name, value: jobs}\n"
    ),
}


@pytest.fixture
def origins_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kustomizations rendered with origin annotations (the renders themselves are real)."""
    asked: list[str] = []
    render = kustomize._render

    def recorded(command: list[str], root: Path, kust: kustomize.Kustomization, origins: bool) -> Any:
        if origins:
            asked.append(kust.directory)
        return render(command, root, kust, origins)

    monkeypatch.setattr(kustomize, "_render", recorded)
    return asked


@needs_kubectl
def test_rendered_objects_are_placed_by_name_and_origins_asked_for_only_in_doubt(
    tmp_path: Path, origins_asked: list[str]
) -> None:
    write_tree(tmp_path, _PLACEMENT_TREE)
    result = audit_tree(tmp_path, Config(select=("KU001",)))
    assert sorted(origins_asked) == ["generated", "renamed"]
    # every rendering of each image is reported where it is written, once per file and line
    assert found(result) == [("KU001", "base/deployment.yaml", 14), ("KU001", "base/worker.yaml", 14)]
    assert all(w in result.findings[0].message for w in ("generated", "prod", "renamed"))


@needs_kubectl
def test_a_name_written_in_two_files_asks_kustomize_where_each_object_comes_from(
    tmp_path: Path, origins_asked: list[str]
) -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg, namespace: {}}}\ndata: {{a: b}}\n"
    write_tree(
        tmp_path,
        {
            "k8s/kustomization.yaml": "resources: [one.yaml, two.yaml, deployment.yaml]\n",
            "k8s/one.yaml": config_map.format("one"),
            "k8s/two.yaml": config_map.format("two"),
            "k8s/deployment.yaml": DEPLOYMENT,
        },
    )
    result = audit_tree(tmp_path, Config(select=("KU001",)))
    assert origins_asked == ["k8s"]
    assert found(result) == [("KU001", "k8s/deployment.yaml", 14)]


@needs_kubectl
def test_kustomizations_render_while_the_other_files_are_read_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, _PLACEMENT_TREE)
    rendered: list[tuple[str, bool]] = []
    files_read: list[int] = []
    render, start = kustomize._render, kustomize.start_renders

    def recorded(command: list[str], root: Path, kust: kustomize.Kustomization, origins: bool) -> Any:
        rendered.append((kust.directory, origins))
        return render(command, root, kust, origins)

    def started(repo: Any, paths: list[str]) -> None:
        files_read.append(len(repo.files))
        start(repo, paths)

    monkeypatch.setattr(kustomize, "_render", recorded)
    monkeypatch.setattr(kustomize, "start_renders", started)
    result = audit_tree(tmp_path, Config(select=("KU001",)))
    assert len(files_read) == 1 and files_read[0] < len(_PLACEMENT_TREE)
    # the early renders are the ones used; a generator's output is asked for with origins at once
    # (its names carry a hash), and a doubt found in the output is settled by building again
    assert sorted(rendered) == [("generated", True), ("prod", False), ("renamed", False), ("renamed", True)]
    assert len(result.findings) == 2 and not kustomize._STARTED


@needs_kubectl
def test_files_named_one_by_one_start_no_render_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, _PLACEMENT_TREE)
    started: list[str] = []
    monkeypatch.setattr(kustomize, "start_renders", lambda repo, paths: started.extend(paths))
    result = audit(Target(tmp_path, (tmp_path / "base/worker.yaml",)), Config(select=("KU001",)))
    assert found(result) == [("KU001", "base/worker.yaml", 14)] and not started
