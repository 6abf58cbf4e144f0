"""Every monitoring file of a repository, read once for gate 3.

The walk is the audit's (`.gitignore` honoured, vendored and build folders skipped, symlinks kept
inside the folder, special files never opened). YAML files are offered to the Prometheus and
Alertmanager parsers the audit uses, and their documents are kept for the prometheus-operator
objects (ServiceMonitor, PodMonitor, PrometheusRule, Grafana dashboards in ConfigMaps) and for the
workloads that name the services. JSON files holding `panels` are read as Grafana dashboards.
A file that looks like monitoring but does not parse is kept as `Unreadable`, with its line: it
proves nothing, and the gaps it might have closed say so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from opsmith.audit.discovery import discover
from opsmith.audit.families import artifact_types
from opsmith.audit.source import BinaryFile, SourceFile, decode
from opsmith.monitoring.coverage import Unreadable
from opsmith.monitoring.dashboards import Dashboard, dashboard_from_json, dashboards_in_object
from opsmith.monitoring.scrape_config import Monitor, ScrapeJob, monitor_of, scrape_jobs
from opsmith.parse import alertmanager, prometheus
from opsmith.parse.alertmanager import AlertmanagerDoc
from opsmith.parse.errors import ParseFailure
from opsmith.parse.kubernetes import KubeObject, objects_in
from opsmith.parse.prometheus import PromRule
from opsmith.parse.yaml_tree import YMap
from opsmith.safe_read import NotReadable, read_limited

_MONITORING_WORDS = re.compile(
    r"\b(?:groups|scrape_configs|route|receivers|ServiceMonitor|PodMonitor|PrometheusRule)\b"
)


@dataclass
class Sources:
    rules: list[tuple[str, PromRule]] = field(default_factory=list)
    scrape_jobs: list[ScrapeJob] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)
    alertmanagers: list[tuple[str, AlertmanagerDoc]] = field(default_factory=list)
    dashboards: list[Dashboard] = field(default_factory=list)
    compose: list[tuple[str, YMap]] = field(default_factory=list)
    objects: list[tuple[str, KubeObject]] = field(default_factory=list)
    workflows: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    rule_files: set[str] = field(default_factory=set)
    scrape_files: set[str] = field(default_factory=set)

    def recorded(self) -> dict[str, list[tuple[str, PromRule]]]:
        out: dict[str, list[tuple[str, PromRule]]] = {}
        for path, rule in self.rules:
            if rule.kind == "record":
                out.setdefault(rule.name, []).append((path, rule))
        return out

    def alerts(self) -> list[tuple[str, PromRule]]:
        return [(path, rule) for path, rule in self.rules if rule.kind == "alert"]

    def unreadable_in(self, kinds: tuple[str, ...]) -> list[Unreadable]:
        """Unreadable files of these kinds (`rules`, `scrape`, `alertmanager`, `dashboard`)."""
        return [u for u in self.unreadable if any(u.message.startswith(f"{k}:") for k in kinds)]


def read_sources(root: Path, exclude: tuple[str, ...], max_size: int) -> Sources:
    found = discover(root)
    if exclude:
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(exclude)
        found = (d for d in found if not spec.match_file(d.relpath))
    sources = Sources()
    for item in found:
        types = artifact_types(item.relpath)
        is_json = item.relpath.endswith(".json")
        if not types and not is_json:
            continue
        text = _text(item.path, max_size)
        if text is None:
            continue
        if is_json:
            _read_json(item.relpath, text, sources)
        elif "workflow" in types:
            sources.workflows.append((item.relpath, text))
        elif types & {"compose", "kubernetes"}:  # YAML, by name (Dockerfiles and .tf are not)
            _read_yaml(SourceFile(item.relpath, text, item.path), "compose" in types, sources)
    return sources


def _text(path: Path, max_size: int) -> str | None:
    try:
        return decode(read_limited(path, max_size))
    except (OSError, NotReadable, BinaryFile):
        return None


def _read_json(relpath: str, text: str, sources: Sources) -> None:
    if '"panels"' not in text:  # every dashboard has them, at the top or in its rows
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        sources.unreadable.append(Unreadable(relpath, exc.lineno, f"dashboard: not valid JSON: {exc.msg}"))
        return
    except RecursionError:
        sources.unreadable.append(Unreadable(relpath, None, "dashboard: nested too deeply to read"))
        return
    dashboard = dashboard_from_json(relpath, text, data)
    if dashboard is not None:
        sources.dashboards.append(dashboard)


def _read_yaml(source: SourceFile, compose: bool, sources: Sources) -> None:
    text = source.text
    if not compose and not _MONITORING_WORDS.search(text) and "kind" not in text:
        return
    docs = source.yaml
    if compose:
        if isinstance(docs, ParseFailure):
            sources.unreadable.append(Unreadable(source.relpath, docs.line, f"compose: {docs.message}"))
        else:
            sources.compose.extend((source.relpath, d) for d in docs if isinstance(d, YMap))
        return
    before = len(sources.unreadable)
    _read_prometheus(source, sources)
    _read_alertmanager(source, sources)
    if isinstance(docs, ParseFailure):
        if len(sources.unreadable) == before and _MONITORING_WORDS.search(text):
            sources.unreadable.append(Unreadable(source.relpath, docs.line, f"monitoring: {docs.message}"))
        return
    for obj in objects_in(docs):
        sources.objects.append((source.relpath, obj))
        monitor = monitor_of(source.relpath, obj)
        if monitor is not None:
            sources.monitors.append(monitor)
        sources.dashboards.extend(dashboards_in_object(source.relpath, obj, sources.unreadable))


def _read_prometheus(source: SourceFile, sources: Sources) -> None:
    doc = prometheus.parse(source)
    if isinstance(doc, ParseFailure):
        sources.unreadable.append(Unreadable(source.relpath, doc.line, f"rules: {doc.message}"))
        return
    if not isinstance(doc, prometheus.PrometheusDoc):
        return
    if doc.groups:
        sources.rule_files.add(source.relpath)
    sources.rules.extend((source.relpath, rule) for rule in doc.rules)
    for issue in doc.issues:
        if "does not parse" in issue.message:  # the rule is there but its expression proves nothing
            sources.unreadable.append(Unreadable(source.relpath, issue.line, f"rules: {issue.message}"))
    if doc.servers and not all(s.operator for s in doc.servers):
        docs = source.yaml
        for item in docs if isinstance(docs, list) else ():
            if isinstance(item, YMap) and "kind" not in item:
                jobs = scrape_jobs(source.relpath, item)
                sources.scrape_jobs.extend(jobs)
                if jobs:
                    sources.scrape_files.add(source.relpath)


def _read_alertmanager(source: SourceFile, sources: Sources) -> None:
    doc = alertmanager.parse(source)
    if isinstance(doc, ParseFailure):
        sources.unreadable.append(Unreadable(source.relpath, doc.line, f"alertmanager: {doc.message}"))
    elif doc is not None:
        sources.alertmanagers.append((source.relpath, doc))
