"""YAML shaped like Kubernetes objects that belongs to another tool, and is skipped as that tool's.

- Configuration files with `apiVersion` and `kind` that are never sent to a cluster: kind, k3d and
  ctlptl clusters, kubeadm, kubelet and other component configurations, kubeconfigs, Skaffold,
  kustomize's own configurations, operator-sdk scorecard configurations.
- Test plans: kuttl steps and assertions (`00-assert.yaml`, partial objects compared with the
  cluster's), chainsaw tests (a folder with `chainsaw-test.yaml`), Helm chart tests (the chart's
  `templates/tests/`, and rendered objects that only `helm test` creates).
- Patches: files carrying strategic-merge directives (`$patch: delete`), kubeadm patch files
  (`kube-apiserver+strategic.yaml`), and partial workloads (no container image) in a file named or
  kept as a patch. Patches a kustomization in the repository reads are audited as rendered instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from opsmith.audit.source import SourceFile

# API groups of configuration files, by the tool that reads them.
_TOOL_GROUPS = {
    "kustomize.config.k8s.io": "kustomize configuration",
    "builtin": "kustomize configuration",  # transformer configurations
    "config.kubernetes.io": "kustomize configuration",  # KRM function configurations
    "kpt.dev": "kpt package",
    "kubelet.config.k8s.io": "kubelet configuration",
    "kubeproxy.config.k8s.io": "kube-proxy configuration",
    "kubeadm.k8s.io": "kubeadm configuration",
    "kubescheduler.config.k8s.io": "kube-scheduler configuration",
    "kubecontrollermanager.config.k8s.io": "kube-controller-manager configuration",
    "apiserver.config.k8s.io": "kube-apiserver configuration",
    "apiserver.k8s.io": "kube-apiserver configuration",
    "audit.k8s.io": "kube-apiserver audit policy",
    "kind.x-k8s.io": "kind cluster configuration",
    "k3d.io": "k3d cluster configuration",
    "ctlptl.dev": "ctlptl cluster configuration",
    "config.kwok.x-k8s.io": "kwok configuration",
    "backstage.io": "Backstage catalog entry",
    "scorecard.operatorframework.io": "operator-sdk scorecard configuration",
    "kuttl.dev": "kuttl test",
    "chainsaw.kyverno.io": "chainsaw test",
}
_KUTTL_STEP = re.compile(r"^\d+-(?:assert|errors)(?:[-.][^/]*)?\.ya?ml$")
_CHAINSAW_FILES = ("chainsaw-test.yaml", ".chainsaw-test.yaml")
_KUBEADM_PATCH = re.compile(r"\+(?:strategic|merge|json)\.(?:ya?ml|json)$")
_PATCH_DIRECTIVE = re.compile(
    r"(?m)^[ \t-]*[\"']?\$(?:patch|retainKeys|setElementOrder/|deleteFromPrimitiveList/)[\"']?\s*:"
)
_PATCH_WORD = re.compile(r"(?:^|[/._-])patch(?:es)?(?:[/._-]|$)", re.IGNORECASE)
# Workloads: one whose containers have no image is a fragment of one, since the API server refuses
# a container without one.
_WORKLOADS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"})
_HELM_TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})


def tool_of(api_version: str, kind: str) -> str | None:
    """The tool a document with this `apiVersion` and `kind` belongs to, when it is configuration
    rather than a cluster object."""
    group = api_version.rpartition("/")[0] if "/" in api_version else api_version
    if group.startswith("skaffold"):
        return "Skaffold configuration"
    if kind == "Config" and api_version == "v1":
        return "kubeconfig"
    return _TOOL_GROUPS.get(group)


def tool_of_documents(docs: Sequence[Any]) -> str | None:
    """The tool of a file none of whose documents is a cluster object, if one names it."""
    for body in docs:
        if isinstance(body, Mapping):
            api_version, kind = body.get("apiVersion"), body.get("kind")
            if isinstance(api_version, str) and isinstance(kind, str):
                tool = tool_of(api_version, kind)
                if tool is not None:
                    return tool
    return None


def tool_of_manifest(source: SourceFile, bodies: Sequence[Mapping[str, Any]]) -> str | None:
    """The tool a file of object-shaped documents belongs to: a test plan or a patch."""
    name = source.name
    if _KUTTL_STEP.match(name):
        return "kuttl test"
    if _KUBEADM_PATCH.search(name):
        return "kubeadm patch"
    if _PATCH_DIRECTIVE.search(source.text) or (
        _PATCH_WORD.search(source.relpath) and any(_partial_workload(body) for body in bodies)
    ):
        return "strategic-merge patch"
    folder = source.abspath.parent if source.abspath is not None else None
    if folder is not None and any((folder / companion).is_file() for companion in _CHAINSAW_FILES):
        return "chainsaw test"
    return None


def is_helm_test(annotations: Mapping[str, str]) -> bool:
    """An object only `helm test` creates (its `helm.sh/hook` annotation names a test hook)."""
    hooks = annotations.get("helm.sh/hook", "")
    return any(hook.strip() in _HELM_TEST_HOOKS for hook in hooks.split(","))


def in_chart_tests(relpath: str) -> bool:
    """Is a chart template under its `templates/tests/` folder?"""
    return "/templates/tests/" in f"/{relpath}"


def _partial_workload(body: Mapping[str, Any]) -> bool:
    if body.get("kind") not in _WORKLOADS:
        return False
    # spec.containers (Pod), spec.template.spec.containers, spec.jobTemplate.spec.template.spec...
    node = body.get("spec")
    for _ in range(4):  # bounded: an alias may make the tree a loop
        if not isinstance(node, Mapping) or "containers" in node:
            break
        node = node.get("template") or node.get("jobTemplate") or node.get("spec")
    containers = node.get("containers") if isinstance(node, Mapping) else None
    if not isinstance(containers, list) or not containers:
        return True
    return any(not isinstance(c, Mapping) or "image" not in c for c in containers)
