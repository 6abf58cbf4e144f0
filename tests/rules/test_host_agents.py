"""Which names belong to node agents (KU011 and its info level for them)."""

from __future__ import annotations

import pytest

from opsmith.rules.host_agents import is_host_agent


@pytest.mark.parametrize(
    "name",
    [
        "quay.io/prometheus/node-exporter:v1.8.2",
        "fluent/fluent-bit:3.1.9",
        "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.11.1",
        "docker.io/cloudnativelabs/kube-router",
        "timberio/vector:0.40.0-debian",
        "node-exporter",
        "sysdig/agent",
    ],
)
def test_well_known_agents(name: str) -> None:
    assert is_host_agent(name)


@pytest.mark.parametrize(
    "name", ["shop/api:1.4.2", "nginx", "vectorized/redpanda:v24.1", "csiapp", "exporter-of-goods"]
)
def test_applications_are_not_agents(name: str) -> None:
    assert not is_host_agent(name)
