"""Node agents: software whose job is the host it runs on (metrics exporters, log shippers,
network and storage plugins, security sensors). They read `/proc`, `/sys`, the node's logs or
the container runtime's socket by design, so host access there is expected, not a slip."""

from __future__ import annotations

import re

from opsmith.regex import lazy

# Fragments of the image or workload names of well-known agents, matched as whole words of a
# hyphenated or slashed name (`prom/node-exporter`, `fluent/fluent-bit`, `csi-node-driver`).
_AGENT = lazy(
    r"(?:^|[/_.-])(?:"
    r"node[-_]exporter|cadvisor|dcgm-exporter|node-problem-detector|kube-state-metrics"
    r"|fluent-?bit|fluentd|filebeat|metricbeat|auditbeat|packetbeat|elastic-agent|promtail|vector"
    r"|grafana-agent|alloy|otel(?:col)?|opentelemetry-collector|datadog|dd-agent|newrelic|nri"
    r"|infrastructure-agent|sysdig|falco|tetragon|parca|pyroscope|splunk|dynatrace|oneagent"
    r"|cilium|calico|kube-proxy|kube-router|flannel|weave|multus|aws-node|antrea|kube-ovn"
    r"|csi|device-plugin|kured|nvidia-driver|ebpf|beyla|netdata|telegraf"
    r")(?:$|[/_.:@-])",
    re.IGNORECASE,
)


def is_host_agent(name: str) -> bool:
    """Does this image or workload name belong to a well-known node agent?"""
    return bool(_AGENT().search(name))
