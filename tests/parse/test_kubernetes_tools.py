"""Object-shaped YAML of other tools (test plans, patches, cluster configurations) is skipped as
theirs, while the real objects beside them stay Kubernetes."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.audit.source import SourceFile
from opsmith.parse.kubernetes import KubeDoc, parse
from opsmith.parse.kubernetes_tools import in_chart_tests, is_helm_test, tool_of
from opsmith.parse.other_tool import OtherTool

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "registry.example.com/api:1.4.2"}]}
"""
PARTIAL = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec: {containers: [{name: api, resources: {limits: {memory: 1Gi}}}]}
"""


def _parse(root: Path, relpath: str) -> object:
    path = root / relpath
    return parse(SourceFile(relpath, path.read_text(), path))


@pytest.mark.parametrize(
    ("relpath", "text", "tool"),
    [
        (
            "hack/kubeadm.yaml",
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.30.0\n"
            "---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
            "kubeadm configuration",
        ),
        (
            "bundle/tests/scorecard/config.yaml",
            "apiVersion: scorecard.operatorframework.io/v1alpha3\nkind: Configuration\n"
            "metadata: {name: config}\nstages: []\n",
            "operator-sdk scorecard configuration",
        ),
        ("tests/upgrade/00-assert.yaml", PARTIAL, "kuttl test"),
        ("tests/upgrade/01-errors.yaml", DEPLOYMENT, "kuttl test"),
        (
            "patches/kube-apiserver+strategic.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
            "kubeadm patch",
        ),
        ("deploy/patches/memory.yaml", PARTIAL, "strategic-merge patch"),
        (
            "deploy/api-patch.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n",
            "strategic-merge patch",
        ),
        (
            "deploy/drop-sidecar.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: istio-proxy\n          $patch: delete\n",
            "strategic-merge patch",
        ),
        ("charts/api/templates/tests/test-connection.yaml", DEPLOYMENT, "Helm chart test"),
    ],
)
def test_files_of_other_tools_are_skipped_as_theirs(
    tmp_path: Path, relpath: str, text: str, tool: str
) -> None:
    write_tree(
        tmp_path, {relpath: text, "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n"}
    )
    assert _parse(tmp_path, relpath) == OtherTool(tool)


def test_a_chainsaw_test_folder_is_chainsaws(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "tests/scale/chainsaw-test.yaml": "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\n",
            "tests/scale/resources.yaml": DEPLOYMENT,
            "deploy/api.yaml": DEPLOYMENT,
        },
    )
    assert _parse(tmp_path, "tests/scale/chainsaw-test.yaml") == OtherTool("chainsaw test")
    assert _parse(tmp_path, "tests/scale/resources.yaml") == OtherTool("chainsaw test")
    assert isinstance(_parse(tmp_path, "deploy/api.yaml"), KubeDoc)


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        ("deploy/api.yaml", DEPLOYMENT),
        ("deploy/api.yaml", PARTIAL),  # not a patch by name: KU014 says what is missing
        ("deploy/patches/api.yaml", DEPLOYMENT),  # a whole object, wherever it is kept
        ("dispatcher/deployment.yaml", PARTIAL),  # `patch` inside a word
        ("tests/upgrade/00-install.yaml", DEPLOYMENT),  # a kuttl step that installs real objects
    ],
)
def test_objects_stay_kubernetes(tmp_path: Path, relpath: str, text: str) -> None:
    write_tree(tmp_path, {relpath: text})
    doc = _parse(tmp_path, relpath)
    assert isinstance(doc, KubeDoc) and doc.objects


def test_a_patch_a_kustomization_reads_is_audited_as_rendered(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "k8s/kustomization.yaml": "resources: [api.yaml]\npatches:\n  - path: patches/memory.yaml\n",
            "k8s/api.yaml": DEPLOYMENT,
            "k8s/patches/memory.yaml": PARTIAL,
        },
    )
    doc = _parse(tmp_path, "k8s/patches/memory.yaml")
    assert isinstance(doc, KubeDoc) and doc.consumed_by == "k8s/kustomization.yaml"


def test_tool_groups_helm_test_hooks_and_chart_tests() -> None:
    assert tool_of("kind.x-k8s.io/v1alpha4", "Cluster") == "kind cluster configuration"
    assert tool_of("skaffold/v4beta6", "Config") == "Skaffold configuration"
    assert tool_of("flowcontrol.apiserver.k8s.io/v1", "FlowSchema") is None  # a real API group
    assert tool_of("apps/v1", "Deployment") is None
    assert is_helm_test({"helm.sh/hook": "test"})
    assert is_helm_test({"helm.sh/hook": "pre-install, test-success"})
    assert not is_helm_test({"helm.sh/hook": "pre-install"})
    assert not is_helm_test({})
    assert in_chart_tests("charts/api/templates/tests/x.yaml")
    assert not in_chart_tests("charts/api/mytemplates/tests/x.yaml")
