"""Kubernetes manifests: objects recognised by apiVersion+kind, lines, spans, opt-outs, templates."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.kubernetes import KubeDoc, KubeObject, parse
from opsmith.parse.other_tool import OtherTool
from opsmith.parse.yaml_tree import YMap, load_documents

MANIFESTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
  annotations:
    opsmith.dev/ignore: "ku016, KU013 (set by the pipeline)"
---
# a document that is not an object
title: notes
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata:
      name: one
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: two
    spec:
      template:
        spec:
          containers:
            - name: app
              image: app:1.0.0
"""


def _parse(text: str, relpath: str = "k8s/app.yaml", abspath: Path | None = None) -> object:
    return parse(SourceFile(relpath, textwrap.dedent(text), abspath))


def _doc(text: str, relpath: str = "k8s/app.yaml") -> KubeDoc:
    doc = _parse(text, relpath)
    assert isinstance(doc, KubeDoc), doc
    return doc


def test_objects_of_every_document_and_list_items_with_their_lines() -> None:
    doc = _doc(MANIFESTS)
    assert [(o.kind, o.name, o.line, o.end_line) for o in doc.objects] == [
        ("ConfigMap", "first", 1, 13),
        ("Service", "one", 14, 17),
        ("Deployment", "two", 18, 27),
    ]
    deployment = doc.objects[2]
    containers = ("spec", "template", "spec", "containers")
    assert deployment.line_at(*containers, 0, "image") == 27
    assert deployment.line_at(*containers, 0, "resources", "limits") == 26  # deepest part written
    assert doc.defined == doc.objects and doc.consumed_by is None


def test_annotation_ignores_only_its_own_object() -> None:
    doc = _doc(MANIFESTS)
    assert doc.objects[0].ignored == {"KU016", "KU013"}
    assert doc.ignored_at(4) == {"KU016", "KU013"}
    assert doc.ignored_at(15) == frozenset()
    assert doc.ignored_at(None) == frozenset()


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "title: notes\nitems: [1, 2]\n", "apiVersion: 3\nkind: Pod\n"],
    ids=["empty", "comment", "plain-yaml", "odd"],
)
def test_files_without_cluster_objects_are_not_kubernetes(text: str) -> None:
    assert _parse(text, "config/x.yaml") is None


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
            "kustomize configuration",
        ),
        ("apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n", "kubeconfig"),
        (
            "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: [{role: control-plane}]\n",
            "kind cluster configuration",
        ),
        (
            "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: labels}\n",
            "kustomize configuration",
        ),
    ],
    ids=["kustomize-config", "kubeconfig", "kind-cluster", "transformer"],
)
def test_configuration_of_other_tools_is_skipped_as_theirs(text: str, tool: str) -> None:
    assert _parse(text, "config/x.yaml") == OtherTool(tool)


def test_a_broken_file_is_reported_only_when_it_plainly_is_a_manifest() -> None:
    failure = _parse("apiVersion: v1\nkind: ConfigMap\ndata:\n  key: [unclosed\n")
    assert isinstance(failure, ParseFailure) and failure.message.startswith("YAML syntax error")
    assert failure.line == 4  # clamped to the last line when the reader notices at the end
    assert _parse("title: notes\nitems: [unclosed\n") is None
    assert _parse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }\n") is None  # a template


def test_truncated_and_odd_shapes_never_raise() -> None:
    assert isinstance(_parse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n"), ParseFailure)
    doc = _doc("apiVersion: v1\nkind: Pod\nmetadata: [not, a, map]\nspec: 7\n")
    assert doc.objects[0].name == "" and doc.objects[0].labels == {}
    assert doc.objects[0].line_at("spec", "containers", 0) == 4


def test_helm_templates_are_never_parsed(tmp_path: Path) -> None:
    template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    write_tree(tmp_path, {"chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n"})
    write_tree(
        tmp_path,
        {"chart/templates/cm.yaml": template, "other/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"},
    )
    inside = tmp_path / "chart/templates/cm.yaml"
    assert parse(SourceFile("chart/templates/cm.yaml", inside.read_text(), inside)) is None
    outside = tmp_path / "other/templates/cm.yaml"  # no Chart.yaml: an ordinary manifest
    assert isinstance(parse(SourceFile("other/templates/cm.yaml", outside.read_text(), outside)), KubeDoc)
    chart = tmp_path / "chart/Chart.yaml"
    doc = parse(SourceFile("chart/Chart.yaml", chart.read_text(), chart))
    assert isinstance(doc, KubeDoc) and doc.chart is not None
    assert (doc.chart.name, doc.chart.directory, doc.chart.subchart) == ("shop", "chart", False)
    assert doc.objects == []


def test_files_a_kustomization_reads_are_kept_but_not_audited(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "k8s/base/kustomization.yaml": "resources: [deploy.yaml]\npatches: [{path: ../p/p.yaml}]\n",
            "k8s/base/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n",
            "k8s/base/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n",
        },
    )
    read = tmp_path / "k8s/base/deploy.yaml"
    doc = parse(SourceFile("k8s/base/deploy.yaml", read.read_text(), read))
    assert isinstance(doc, KubeDoc)
    assert doc.consumed_by == "k8s/base/kustomization.yaml"
    assert doc.objects == [] and [o.name for o in doc.defined] == ["api"]
    unlisted = tmp_path / "k8s/base/extra.yaml"
    doc = parse(SourceFile("k8s/base/extra.yaml", unlisted.read_text(), unlisted))
    assert isinstance(doc, KubeDoc) and doc.consumed_by is None and doc.objects


def test_kustomization_file_is_a_document_without_objects() -> None:
    doc = _doc("namespace: shop\nresources:\n  - ../base\n  - svc.yaml\n", "k8s/prod/kustomization.yaml")
    assert doc.objects == [] and doc.kustomization is not None
    assert doc.kustomization.references == {"k8s/base", "k8s/prod/svc.yaml"}


def test_rendered_objects_find_their_lines_in_the_source_by_container_name() -> None:
    source = _doc(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: app
        """
    ).objects[0]
    rendered_docs = load_documents(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: prod-api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - {name: sidecar, image: s:1}\n"
        "        - {name: api, image: app:1}\n"
    )
    assert not isinstance(rendered_docs, ParseFailure) and isinstance(rendered_docs[0], YMap)
    rendered = KubeObject("apps/v1", "Deployment", rendered_docs[0], 1, rendered_by="k8s/prod", origin=source)
    containers = ("spec", "template", "spec", "containers")
    assert rendered.line_at(*containers, 1, "image") == 10  # `api` is second when rendered
    assert rendered.line_at(*containers, 0, "image") == 8  # a container the overlay added
    assert rendered.title == "Deployment api"


def test_object_ignores_are_looked_up_without_scanning_every_object_per_finding() -> None:
    # thousands of objects, each with findings: the engine asks once per finding
    reads = 0

    class Obj:
        line, end_line = 1, 10_000

        @property
        def ignored(self) -> frozenset[str]:
            nonlocal reads
            reads += 1
            return frozenset()

    doc = KubeDoc("k8s/app.yaml", objects=[Obj() for _ in range(1000)])  # type: ignore[misc]
    assert all(doc.ignored_at(line) == frozenset() for line in range(1, 1001))
    assert reads <= 1000  # one pass, not one per finding
