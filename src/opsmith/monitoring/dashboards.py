"""Grafana dashboards: the PromQL of their panels and the values of their variables.

A dashboard is JSON with `panels` (nested in rows or in a `dashboard` object when exported through
the API, or under `rows` in the old schema). It may sit in a file of its own, in a ConfigMap that
Grafana's sidecar provisions (`data` entries ending in `.json`), or in a grafana-operator
`GrafanaDashboard` (`spec.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from opsmith.monitoring.coverage import Unreadable
from opsmith.parse.kubernetes import KubeObject
from opsmith.parse.yaml_tree import YMap

_MAX_NODES = 200_000  # a dashboard is a few thousand nodes; bound the walk for hostile input


@dataclass(frozen=True)
class Query:
    expr: str
    line: int | None


@dataclass
class Dashboard:
    path: str
    line: int | None
    title: str
    queries: list[Query] = field(default_factory=list)
    # variable name -> the values it offers (None: filled from a query at run time, any value)
    variables: dict[str, list[str] | None] = field(default_factory=dict)


def dashboard_from_json(path: str, text: str, data: Any, line: int | None = None) -> Dashboard | None:
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    if not isinstance(data, dict) or not ("panels" in data or "rows" in data):
        return None
    title = data.get("title")
    board = Dashboard(path, line, title if isinstance(title, str) else "")
    for node in _dicts(data):
        expr = node.get("expr")
        if isinstance(expr, str) and expr.strip():
            board.queries.append(Query(expr, _line_of(text, expr, line)))
    templating = data.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    for variable in variables if isinstance(variables, list) else ():
        if isinstance(variable, dict) and isinstance(variable.get("name"), str):
            board.variables[variable["name"]] = _variable_values(variable)
    return board


def _dicts(data: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [data]
    seen = 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            out.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def _variable_values(variable: dict[str, Any]) -> list[str] | None:
    kind = variable.get("type")
    if kind in {"query", "datasource"}:
        return None
    values: list[str] = []
    options = variable.get("options")
    for option in options if isinstance(options, list) else ():
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            values.append(option["value"])
    query = variable.get("query")
    if isinstance(query, str) and kind in ("custom", "constant", "textbox"):
        values.extend(v.strip() for v in query.split(",") if v.strip())
    current = variable.get("current")
    value = current.get("value") if isinstance(current, dict) else None
    if isinstance(value, str):
        values.append(value)
    elif isinstance(value, list):
        values.extend(v for v in value if isinstance(v, str))
    return values


def _line_of(text: str, value: str, default: int | None) -> int | None:
    """The line a query is written on: its first occurrence in the file, JSON-escaped."""
    at = text.find(json.dumps(value)[1:-1])
    return text.count("\n", 0, at) + 1 if at >= 0 else default


def dashboards_in_object(path: str, obj: KubeObject, unreadable: list[Unreadable]) -> list[Dashboard]:
    """Dashboards a ConfigMap or a GrafanaDashboard carries as JSON text."""
    entries: list[tuple[str, Any, int | None]] = []
    if obj.kind == "ConfigMap":
        data = obj.get("data")
        if isinstance(data, YMap):
            entries = [
                (str(key), value, data.value_line(key))
                for key, value in data.items()
                if str(key).endswith(".json") and isinstance(value, str)
            ]
    elif obj.kind == "GrafanaDashboard" and isinstance(obj.get("spec", "json"), str):
        entries = [("spec.json", obj.get("spec", "json"), obj.line_at("spec", "json"))]
    out: list[Dashboard] = []
    for key, text, line in entries:
        if '"panels"' not in text:
            continue
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            unreadable.append(Unreadable(path, line, f"dashboard: `{key}` is not valid JSON: {reason}"))
            continue
        board = dashboard_from_json(path, "", data, line)
        if board is not None:
            out.append(board)
    return out
