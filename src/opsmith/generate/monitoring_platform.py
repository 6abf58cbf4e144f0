"""Alerts on what the services run on (USE: utilisation, saturation, errors of hosts and
containers) and on scrape targets. Causes, not symptoms: warning or info, never a page; the
services' SLO alerts page when users feel them."""

from __future__ import annotations

from opsmith.generate.monitoring_alerts import Alert, Group, Runbook, Series

# Filesystems that are not disks: their free space says nothing about running out.
_REAL_FS = 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs"'
_CONTAINER = "instance, namespace, pod, container, name"
_HOST = {"instance": "node-exporter:9100"}
_CADVISOR = {"instance": "cadvisor:8080", "name": "web"}


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in labels.items())


def targets_group() -> Group:
    target = {"job": "node-exporter", "instance": "node-exporter:9100"}
    return Group(
        "targets",
        alerts=(
            Alert(
                name="TargetDown",
                expr="up == 0",
                for_="10m",
                severity="warning",
                summary="{{ $labels.job }} target {{ $labels.instance }} is down",
                description="Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) "
                "for 10 minutes.",
                runbook=Runbook(
                    meaning="One scrape target does not answer: an exporter, an instance of a service, or "
                    "Prometheus' view of it.",
                    impact="Its metrics are missing, so alerts that read them cannot fire. Users are "
                    "affected only if "
                    "every instance of a service is down, which ServiceDown pages for.",
                    scope="host",
                    mitigation=(
                        "Open Prometheus' Targets page (http://127.0.0.1:9090/targets) for the scrape error.",
                        "Restart the exporter or instance; fix the address in monitoring/prometheus.yml if "
                        "it moved.",
                    ),
                ),
                bad=(Series(f"up{{{_labels(target)}}}", "0x20"),),
                good=(Series(f"up{{{_labels(target)}}}", "1x20"),),
                at="15m",
                fired=target,
            ),
        ),
    )


def containers_group() -> Group:
    by = f"sum by ({_CONTAINER})"
    series = _labels(_CADVISOR)
    return Group(
        "containers",
        alerts=(
            Alert(
                name="ContainerCpuThrottled",
                expr=(
                    f"{by} (rate(container_cpu_cfs_throttled_periods_total[5m]))\n/\n"
                    f"{by} (rate(container_cpu_cfs_periods_total[5m]))\n> 0.25"
                ),
                for_="15m",
                severity="info",
                summary="Container {{ $labels.name }}{{ $labels.container }} is CPU-throttled",
                description="More than a quarter of its CPU periods hit the CPU limit for 15 minutes.",
                runbook=Runbook(
                    meaning="The container wants more CPU than its limit allows and is being slowed down.",
                    impact="Requests it serves get slower; latency alerts follow if it lasts.",
                    scope="host",
                    mitigation=(
                        "Raise the CPU limit or add instances; profile the service if its CPU use grew with "
                        "a release.",
                    ),
                ),
                bad=(
                    Series(f"container_cpu_cfs_throttled_periods_total{{{series}}}", "0+50x40"),
                    Series(f"container_cpu_cfs_periods_total{{{series}}}", "0+100x40"),
                ),
                good=(
                    Series(f"container_cpu_cfs_throttled_periods_total{{{series}}}", "0x40"),
                    Series(f"container_cpu_cfs_periods_total{{{series}}}", "0+100x40"),
                ),
                at="30m",
                fired=_CADVISOR,
            ),
            Alert(
                name="ContainerMemoryNearLimit",
                expr="container_memory_working_set_bytes\n/\n(container_spec_memory_limit_bytes > 0)\n> 0.9",
                for_="15m",
                severity="warning",
                summary="Container {{ $labels.name }}{{ $labels.container }} uses over 90% of its memory "
                "limit",
                description="Its working set has stayed above 90% of the memory limit for 15 minutes; the "
                "kernel kills it at 100%.",
                runbook=Runbook(
                    meaning="The container is close to being killed for running out of memory.",
                    impact="None yet; an OOM kill drops the requests it is serving.",
                    scope="host",
                    mitigation=(
                        "Raise the memory limit, or find the leak: compare memory over the last releases.",
                    ),
                ),
                bad=(
                    Series(f"container_memory_working_set_bytes{{{series}}}", "950x30"),
                    Series(f"container_spec_memory_limit_bytes{{{series}}}", "1000x30"),
                ),
                good=(
                    Series(f"container_memory_working_set_bytes{{{series}}}", "500x30"),
                    Series(f"container_spec_memory_limit_bytes{{{series}}}", "1000x30"),
                ),
                at="25m",
                fired=_CADVISOR,
            ),
            Alert(
                name="ContainerOomKilled",
                expr="increase(container_oom_events_total[10m]) > 0",
                for_="1m",
                severity="warning",
                summary="Container {{ $labels.name }}{{ $labels.container }} was killed for running out of "
                "memory",
                description="The kernel's OOM killer ended a process of this container in the last 10 "
                "minutes.",
                runbook=Runbook(
                    meaning="A process of the container exceeded its memory limit and was killed.",
                    impact="Requests in flight failed; the container restarted.",
                    scope="host",
                    mitigation=(
                        "Raise the memory limit, or roll back a release that started using more memory.",
                    ),
                ),
                bad=(Series(f"container_oom_events_total{{{series}}}", "0x10 1x20"),),
                good=(Series(f"container_oom_events_total{{{series}}}", "0x30"),),
                at="15m",
                fired=_CADVISOR,
            ),
        ),
    )


def hosts_group() -> Group:
    disk = {**_HOST, "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}
    nic = {**_HOST, "device": "eth0"}
    host = _labels(_HOST)
    return Group(
        "hosts",
        alerts=(
            Alert(
                name="HostDiskWillFill",
                expr=(
                    f"predict_linear(node_filesystem_avail_bytes{{{_REAL_FS}}}[6h], 24 * 3600) < 0\n"
                    f"and\nnode_filesystem_avail_bytes{{{_REAL_FS}}} / node_filesystem_size_bytes < 0.2"
                ),
                for_="30m",
                severity="warning",
                summary="{{ $labels.mountpoint }} on {{ $labels.instance }} will be full within a day",
                description="Less than 20% is free and, at the rate of the last hours, nothing will be left "
                "in 24 hours.",
                runbook=Runbook(
                    meaning="A filesystem is filling up and will run out of space within a day at the "
                    "current rate.",
                    impact="None yet; when it is full, databases stop writing and services fail.",
                    scope="host",
                    mitigation=(
                        "Find what grows (`du -xh / --max-depth=2 | sort -h | tail`): logs, images, "
                        "database files.",
                        "Prune old images (`docker image prune`), rotate logs, or grow the disk.",
                    ),
                ),
                bad=(
                    Series(f"node_filesystem_avail_bytes{{{_labels(disk)}}}", "19000000000-20000000x200"),
                    Series(f"node_filesystem_size_bytes{{{_labels(disk)}}}", "100000000000x200"),
                ),
                good=(
                    Series(f"node_filesystem_avail_bytes{{{_labels(disk)}}}", "50000000000x200"),
                    Series(f"node_filesystem_size_bytes{{{_labels(disk)}}}", "100000000000x200"),
                ),
                at="180m",
                fired=disk,
            ),
            Alert(
                name="HostMemoryLow",
                expr="node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1",
                for_="15m",
                severity="warning",
                summary="{{ $labels.instance }} has less than 10% of its memory available",
                description="Available memory has stayed under 10% for 15 minutes; the OOM killer is next.",
                runbook=Runbook(
                    meaning="The host is nearly out of memory.",
                    impact="None yet; processes will be killed or the host will swap and slow down.",
                    scope="host",
                    mitigation=(
                        "Find the biggest consumers (`docker stats --no-stream`, `ps aux --sort=-rss | "
                        "head`); "
                        "lower limits or move to a bigger host.",
                    ),
                ),
                bad=(
                    Series(f"node_memory_MemAvailable_bytes{{{host}}}", "50x30"),
                    Series(f"node_memory_MemTotal_bytes{{{host}}}", "1000x30"),
                ),
                good=(
                    Series(f"node_memory_MemAvailable_bytes{{{host}}}", "500x30"),
                    Series(f"node_memory_MemTotal_bytes{{{host}}}", "1000x30"),
                ),
                at="25m",
                fired=_HOST,
            ),
            Alert(
                name="HostCpuBusy",
                expr='1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9',
                for_="30m",
                severity="info",
                summary="{{ $labels.instance }} has been over 90% busy for 30 minutes",
                description="Its CPUs have been idle less than 10% of the time for half an hour.",
                runbook=Runbook(
                    meaning="The host's CPUs are nearly saturated.",
                    impact="Requests queue for CPU and get slower; latency alerts follow if users feel it.",
                    scope="host",
                    mitigation=("Find the busiest processes (`top`); scale out or move to a bigger host.",),
                ),
                bad=(Series(f'node_cpu_seconds_total{{{host}, cpu="0", mode="idle"}}', "0+3x60"),),
                good=(Series(f'node_cpu_seconds_total{{{host}, cpu="0", mode="idle"}}', "0+60x60"),),
                at="50m",
                fired=_HOST,
            ),
            Alert(
                name="HostNetworkErrors",
                expr=(
                    "(rate(node_network_receive_errs_total[5m]) + "
                    "rate(node_network_transmit_errs_total[5m]))\n/\n"
                    "(rate(node_network_receive_packets_total[5m]) + "
                    "rate(node_network_transmit_packets_total[5m]))\n"
                    "> 0.01"
                ),
                for_="15m",
                severity="warning",
                summary="{{ $labels.device }} on {{ $labels.instance }} drops over 1% of packets with errors",
                description="More than 1% of the packets sent or received on this interface failed for 15 "
                "minutes.",
                runbook=Runbook(
                    meaning="A network interface reports errors on more than 1% of its packets.",
                    impact="Connections retry or fail; requests through this host get slower.",
                    scope="host",
                    mitigation=(
                        "Check `ip -s link show` and the cloud provider's status page; replace the host if "
                        "it persists.",
                    ),
                ),
                bad=_nic(nic, errors="0+5x40"),
                good=_nic(nic, errors="0x40"),
                at="30m",
                fired=nic,
            ),
        ),
    )


def _nic(labels: dict[str, str], errors: str) -> tuple[Series, ...]:
    shown = _labels(labels)
    return (
        Series(f"node_network_receive_errs_total{{{shown}}}", errors),
        Series(f"node_network_transmit_errs_total{{{shown}}}", "0x40"),
        Series(f"node_network_receive_packets_total{{{shown}}}", "0+100x40"),
        Series(f"node_network_transmit_packets_total{{{shown}}}", "0+100x40"),
    )
