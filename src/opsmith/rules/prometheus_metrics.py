"""Which metrics measure a cause (resource usage) and which a symptom users feel (PM006).

Data, not logic: a metric is a *cause* when its name is listed below or starts with a listed prefix,
a *symptom* when it matches a symptom pattern, and *unknown* otherwise. An alert is a cause alert
only when every metric its expression reads is a cause; one unknown or symptom metric is enough to
leave it alone (fewer, surer findings). Recording-rule names (`level:metric:operations`) are judged
by the rule that records them when it is in the same file, else by their middle `metric` part.
"""

from __future__ import annotations

import re
from typing import Literal

MetricClass = Literal["cause", "symptom", "unknown"]

# Resource usage: CPU, memory, disk, filesystem, load, file descriptors, network throughput, as
# exported by node_exporter, cAdvisor/kubelet, windows_exporter, kube-state-metrics and client
# libraries' process collectors.
CAUSE_METRICS: frozenset[str] = frozenset(
    {
        "node_cpu_seconds_total",
        "node_load1",
        "node_load5",
        "node_load15",
        "node_procs_running",
        "node_procs_blocked",
        "node_context_switches_total",
        "node_forks_total",
        "node_intr_total",
        "machine_cpu_cores",
        "machine_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_virtual_memory_max_bytes",
        "go_goroutines",
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "container_memory_usage_bytes",
        "container_memory_rss",
        "kube_node_status_allocatable",
        "kube_node_status_capacity",
    }
)
CAUSE_PREFIXES: tuple[str, ...] = (
    "node_cpu_",
    "node_memory_",
    "node_filesystem_",
    "node_disk_",
    "node_filefd_",
    "node_load",
    "node_pressure_",
    "node_vmstat_",
    "node_network_",
    "node_schedstat_",
    "container_cpu_",
    "container_memory_",
    "container_fs_",
    "container_network_",
    "container_spec_",
    "process_cpu_",
    "process_open_",
    "process_max_",
    "process_resident_",
    "process_virtual_",
    "windows_cpu_",
    "windows_memory_",
    "windows_logical_disk_",
    "windows_os_",
    "kube_pod_container_resource_",
    "kube_resourcequota",
    "jvm_memory_",
    "jvm_gc_",
    "go_memstats_",
    "nodejs_heap_",
    "nodejs_eventloop_",
    "python_gc_",
)

# What users feel: availability, errors, latency, saturation of the queues they wait in, and SLO
# burn rates (patterns searched in the metric name).
SYMPTOM_METRICS: frozenset[str] = frozenset(
    {
        "up",
        "probe_success",
        "probe_http_status_code",
        "probe_duration_seconds",
        "probe_ssl_earliest_cert_expiry",
        "kafka_consumergroup_lag",
        "kafka_consumergroup_lag_seconds",
    }
)
SYMPTOM_PATTERNS: tuple[str, ...] = (
    r"_requests?_total$",
    r"_errors?_total$",
    r"_failures?_total$",
    r"_(?:request|response|handling|handler|processing)?_?duration_seconds",
    r"_latency",
    r"_response_size",
    r"(?:^|_)http_",
    r"(?:^|_)grpc_server_",
    r"(?:^|[_:])slo(?:[_:]|$)",
    r"(?:^|[_:])sli(?:[_:]|$)",
    r"burn_?rate",
    r"error_budget",
    r"error_ratio",
    r"availability",
    r"_queue_(?:length|depth|size|wait|age|lag)",
    r"_lag(?:_seconds)?$",
    r"_oldest_(?:message|job)_age",
)
_SYMPTOM = re.compile("|".join(SYMPTOM_PATTERNS))


def classify(name: str) -> MetricClass:
    """Whether a metric name measures a cause, a symptom, or neither that we can tell."""
    if ":" in name:  # a recorded series: judge the metric it was derived from
        parts = name.split(":")
        base = parts[1] if len(parts) >= 3 else parts[-1]
        if _SYMPTOM.search(name):
            return "symptom"
        return classify(base) if base and ":" not in base else "unknown"
    if name in CAUSE_METRICS or name.startswith(CAUSE_PREFIXES):
        return "cause"
    if name in SYMPTOM_METRICS or _SYMPTOM.search(name):
        return "symptom"
    return "unknown"
