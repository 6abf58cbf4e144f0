"""What a parser answers for a file that has the shape of its family but belongs to another tool.

A Grafana alerting file has `groups:` of `rules:` like a Prometheus rule file, a kind cluster
configuration has `apiVersion` and `kind` like a Kubernetes object: judging them by our rules only
produces false alarms. The parser returns `OtherTool` instead of a document, and the engine skips
the file and counts it as another tool's (`summary.other_tool_files`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OtherTool:
    tool: str  # what the file is, for people: "Grafana alerting", "kind cluster configuration"
