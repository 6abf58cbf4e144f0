"""Helm charts: templates are never parsed as YAML; `helm template` output is split by source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config
from opsmith.parse.helm import rendered_objects
from opsmith.parse.kubernetes import Chart

# The shape `helm template` prints: a `# Source:` comment before each document.
OUTPUT = """\
---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: release-shop
spec:
  selector: {app: shop}
---
# Source: shop/charts/redis/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-redis
"""

CHART = {
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "charts/shop/values.yaml": "replicas: 2\n",
    "charts/shop/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n"
        "  {{- with .Values.extra }}\n  {{ toYaml . }}\n  {{- end }}\n"
    ),
    "charts/shop/templates/_helpers.tpl": '{{- define "shop.name" -}}shop{{- end }}\n',
}


def test_helm_output_is_attributed_to_the_template_it_comes_from() -> None:
    chart = Chart("deploy/shop/Chart.yaml", "deploy/shop", "shop", subchart=False)
    by_file = rendered_objects(chart, OUTPUT)
    assert sorted(by_file) == [
        "deploy/shop/charts/redis/templates/deployment.yaml",
        "deploy/shop/templates/service.yaml",
    ]
    service = by_file["deploy/shop/templates/service.yaml"][0]
    assert (service.kind, service.name, service.rendered_by, service.line) == (
        "Service",
        "release-shop",
        "deploy/shop",
        None,
    )
    assert service.line_at("spec", "selector") is None  # template lines do not map onto the output


@pytest.mark.skipif(
    shutil.which("helm") is not None, reason="helm is installed: the chart is rendered instead"
)
def test_without_helm_a_chart_gets_a_note_and_its_templates_no_parse_error(tmp_path: Path) -> None:
    write_tree(tmp_path, CHART)
    result = audit_tree(tmp_path, Config(select=("KU",)))
    assert found(result) == [("KU018", "charts/shop/Chart.yaml", None)]
    assert "helm is not installed" in result.findings[0].message


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not installed")
def test_with_helm_a_chart_is_audited_as_rendered(tmp_path: Path) -> None:
    write_tree(tmp_path, CHART)
    result = audit_tree(tmp_path, Config(select=("KU010", "KU014", "KU018")))
    assert ("KU010", "charts/shop/templates/deployment.yaml", None) in found(result)
    assert not found(result, "KU014") and not found(result, "KU018")
