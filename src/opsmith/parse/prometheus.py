"""Prometheus rule files and server configurations, recognised by content.

Three shapes are read from a YAML file (several may share one multi-document file):
- a rule file (`groups:` of `rules:` holding `alert:`/`record:` rules), as `promtool check rules`
  reads it;
- the same groups inside a prometheus-operator `PrometheusRule` object (`spec.groups`), which the
  Kubernetes family audits in parallel as an object;
- a server configuration (prometheus.yml: `global`, `scrape_configs`, `rule_files`, `alerting`),
  or a prometheus-operator `Prometheus` object, kept for the scrape interval (PM007) and for what the
  server loads and where it sends alerts.

Every `expr` is parsed with `promql-parser` (a Rust port of Prometheus' own PromQL parser) and kept as
its AST. Schema mistakes do not make the whole file fail: each becomes an `Issue` with its line (PM001
reports them) and the rest of the file is still audited. Only a YAML syntax error in a file that
plainly is a rule file is a ParseFailure. Helm templates are left alone (`None`), and files of
other tools that share the shape are skipped as theirs (`OtherTool`): Loki ruler files (LogQL, by its
pipelines and functions, or because no selector names a metric), Grafana's alerting provisioning
(`apiVersion` with groups of `orgId`/`folder` and rules of `uid`/`condition`/`data`), promtool unit
tests (`rule_files` with `tests`) and Promtail configurations (`scrape_configs` with `clients` or
`positions`). The `namespace` key of mimirtool/cortextool rule files is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import promql_parser as pq

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.other_tool import OtherTool
from opsmith.parse.yaml_tree import YMap, YSeq

DEFAULT_SCRAPE_INTERVAL = timedelta(minutes=1)  # Prometheus' own default for global.scrape_interval
OPERATOR_SCRAPE_INTERVAL = timedelta(seconds=30)  # prometheus-operator's default scrapeInterval

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_DURATION_UNITS_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)
# Prometheus reads a duration into Go's time.Duration (int64 nanoseconds, about 292 years) and
# refuses a longer one as out of range.
_MAX_DURATION_MS = (2**63 - 1) // 1_000_000

_RULE_FILE_KEYS = frozenset({"groups", "namespace"})  # namespace: mimirtool/cortextool/lokitool
_GROUP_KEYS = frozenset({"name", "interval", "query_offset", "limit", "rules", "labels"})
_OPERATOR_GROUP_KEYS = _GROUP_KEYS | {"partial_response_strategy"}  # Thanos ruler's extension
_RULE_KEYS = frozenset({"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# LogQL, not PromQL: a stream selector followed by a line filter or a parser stage.
_LOGQL = re.compile(r"\}\s*(?:\|[=~]?|!~\s*[\"`]|!=\s*[\"`])")
_LOGQL_FUNCTIONS = re.compile(r"\b(?:bytes_over_time|bytes_rate|rate_counter)\s*\(")
_LOKI = "Loki ruler rules"
# Grafana alerting provisioning: groups and rules carry these, Prometheus' never do.
_GRAFANA_GROUP_KEYS = frozenset({"orgId", "folder"})
_GRAFANA_RULE_KEYS = frozenset({"uid", "condition", "data"})
_PROMTAIL_KEYS = ("clients", "client", "positions", "target_config")
# Helm chart templates: rendered before Prometheus ever sees them.
# Patterns over the whole text stay linear: an action stops at the next brace, and the line patterns
# never let `\s` run across lines (a long run of `{` or of blank lines would make them quadratic).
_HELM = re.compile(r"\{\{-?(?:[^{}]*\.(?:Values|Release|Chart|Capabilities)\b|\s*(?:include\s|toYaml\b))")
_RULE_FILE_TEXT = re.compile(r"^[ \t]*groups[ \t]*:", re.MULTILINE)
_MAX_PROMQL_OPERATORS = 500
_PROMQL_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_PROMQL_OPERATOR = re.compile(r"[-+*/%^(\[{]|[=!<>]=|[<>]|\b(?:and|or|unless)\b")
_RULE_TEXT = re.compile(r"^[ \t]*(?:-[ \t]*)?(?:alert|record)[ \t]*:", re.MULTILINE)


def parse_duration(value: Any) -> timedelta | None:
    """A Prometheus duration (`90s`, `1h30m`, `0`), as Prometheus and Alertmanager read them; None
    when the text is not one, or is longer than Prometheus can hold."""
    match = _duration_match(value)
    if match is None:
        return None
    total = 0
    for digits, unit in zip(match.groups(), _DURATION_UNITS_MS, strict=True):
        significant = (digits or "").lstrip("0")
        if len(significant) > 20:  # out of range; int() would refuse 4,300 digits or more
            return None
        total += int(significant or 0) * unit
    return timedelta(milliseconds=total) if total <= _MAX_DURATION_MS else None


def duration_issue(key: str, value: Any, example: str) -> str:
    """Why `key: value` is not a duration parse_duration accepts."""
    if _duration_match(value) is not None:
        return f"`{key}` is longer than a Prometheus duration can be (about 292 years)"
    return f"`{key}: {value}` is not a duration (e.g. {example})"


def _duration_match(value: Any) -> re.Match[str] | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return _DURATION.match("0s" if text == "0" else text) if text else None


def show_duration(delta: timedelta) -> str:
    """A duration written the Prometheus way (`4m`, `1h30m`)."""
    return pq.display_duration(delta) if delta > timedelta(0) else "0s"


@dataclass(frozen=True)
class Issue:
    """A schema or PromQL problem found while reading the file (reported by PM001)."""

    message: str
    line: int


@dataclass
class PromRule:
    """One alerting or recording rule, with the line of everything the rules report."""

    kind: Literal["alert", "record"]
    name: str
    line: int  # of `alert:`/`record:`
    expr_text: str
    expr_line: int
    expr: pq.Expr | None  # None when `expr` is missing or does not parse
    expr_error: str | None
    group: RuleGroup
    for_: timedelta | None = None
    for_line: int | None = None
    keep_firing_for: timedelta | None = None
    labels: dict[str, str] = field(default_factory=dict)
    label_lines: dict[str, int] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    annotation_lines: dict[str, int] = field(default_factory=dict)

    @property
    def all_labels(self) -> dict[str, str]:
        """The labels the rule attaches: the group's, overridden by the rule's own."""
        return {**self.group.labels, **self.labels}

    @property
    def severity(self) -> str | None:
        return self.all_labels.get("severity")


@dataclass
class RuleGroup:
    name: str
    line: int
    interval: timedelta | None = None
    labels: dict[str, str] = field(default_factory=dict)
    rules: list[PromRule] = field(default_factory=list)


@dataclass(frozen=True)
class ScrapeJob:
    name: str
    interval: timedelta | None  # None: the global one applies
    line: int


@dataclass
class ServerConfig:
    """A Prometheus server configuration (prometheus.yml, or a prometheus-operator `Prometheus`)."""

    line: int
    scrape_interval: timedelta  # the global one, with Prometheus' default applied
    jobs: list[ScrapeJob] = field(default_factory=list)
    rule_files: list[str] | None = None  # globs; None for the operator (it selects PrometheusRules)
    rule_files_line: int | None = None
    alerting: bool = False  # sends alerts to an Alertmanager
    operator: bool = False

    def interval_of(self, job: str) -> timedelta | None:
        found = [j.interval or self.scrape_interval for j in self.jobs if j.name == job]
        return min(found) if found else None


@dataclass
class PrometheusDoc:
    groups: list[RuleGroup] = field(default_factory=list)
    servers: list[ServerConfig] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def rules(self) -> Iterator[PromRule]:
        for group in self.groups:
            yield from group.rules

    @property
    def alerts(self) -> Iterator[PromRule]:
        return (r for r in self.rules if r.kind == "alert")

    def recorded(self) -> dict[str, list[PromRule]]:
        """Recording rules by the series name they write."""
        out: dict[str, list[PromRule]] = {}
        for rule in self.rules:
            if rule.kind == "record":
                out.setdefault(rule.name, []).append(rule)
        return out


def parse(source: SourceFile) -> PrometheusDoc | ParseFailure | OtherTool | None:
    if "groups" not in source.text and not _maybe_server_config(source.text):
        return None  # cheap: most YAML files are neither
    documents = source.yaml
    if isinstance(documents, ParseFailure):
        if _HELM.search(source.text):
            return None
        if _RULE_FILE_TEXT.search(source.text) and _RULE_TEXT.search(source.text):
            return documents
        return None
    doc = PrometheusDoc()
    mine = False
    other: str | None = None
    for item in documents:
        if not isinstance(item, YMap):
            continue
        tool = _other_tool(item)
        if tool is not None:
            other = tool
            continue
        groups, operator = _groups_of(item)
        if groups is not None:
            if _is_logql(groups):
                return OtherTool(_LOKI)
            mine = True
            first = len(doc.groups)
            _read_rule_file(item, groups, operator, doc)
            if not operator and _selects_log_streams(doc.groups[first:]):
                return OtherTool(_LOKI)
        server = _server_config(item)
        if server is not None:
            mine = True
            doc.servers.append(server)
    if _HELM.search(source.text) and doc.groups:
        return None
    if not mine:
        return OtherTool(other) if other is not None else None
    return doc


# ---------------------------------------------------------------- recognition


def _maybe_server_config(text: str) -> bool:
    keys = ("scrape_configs", "scrape_interval", "rule_files", "monitoring.coreos.com")
    return any(k in text for k in keys)


def _groups_of(item: YMap) -> tuple[YSeq | None, bool]:
    """The `groups` list of a rule file or of a PrometheusRule object (with whether it is one)."""
    if item.get("kind") == "PrometheusRule" and str(item.get("apiVersion", "")).startswith(
        "monitoring.coreos.com/"
    ):
        spec = item.get("spec")
        groups = spec.get("groups") if isinstance(spec, YMap) else None
        return (groups if isinstance(groups, YSeq) else YSeq(item.line, item.column)), True
    groups = item.get("groups")
    if "kind" in item or not isinstance(groups, YSeq):
        return None, False
    if any(isinstance(g, YMap) and "rules" in g for g in groups):
        return groups, False
    return None, False


def _other_tool(item: YMap) -> str | None:
    """The tool a document shaped like a rule file or a server configuration belongs to."""
    if "kind" in item:
        return None
    groups = item.get("groups")
    if "apiVersion" in item and isinstance(groups, YSeq) and any(_grafana_group(g) for g in groups):
        return "Grafana alerting provisioning"
    if isinstance(item.get("tests"), YSeq) and "rule_files" in item:
        return "promtool unit tests"
    if isinstance(item.get("scrape_configs"), YSeq) and any(key in item for key in _PROMTAIL_KEYS):
        return "Promtail configuration"
    return None


def _grafana_group(group: Any) -> bool:
    if not isinstance(group, YMap):
        return False
    rules = group.get("rules")
    return bool(_GRAFANA_GROUP_KEYS & group.keys()) or (
        isinstance(rules, YSeq) and any(isinstance(r, YMap) and _GRAFANA_RULE_KEYS & r.keys() for r in rules)
    )


def _is_logql(groups: YSeq) -> bool:
    for group in groups:
        rules = group.get("rules") if isinstance(group, YMap) else None
        for rule in rules if isinstance(rules, YSeq) else ():
            expr = str(rule.get("expr", "")) if isinstance(rule, YMap) else ""
            if _LOGQL.search(expr) or _LOGQL_FUNCTIONS.search(expr):
                return True
    return False


def _selects_log_streams(groups: list[RuleGroup]) -> bool:
    """LogQL that also reads as PromQL (`count_over_time({app="api"}[5m]) > 0`): selectors are
    written, and not one of them names a metric, as every selector of a log query is written."""
    selectors = False
    for group in groups:
        for rule in group.rules:
            for node in walk(rule.expr) if rule.expr is not None else ():
                if isinstance(node, pq.VectorSelector):
                    if node.name or any(m.name == "__name__" for m in node.matchers.matchers):
                        return False
                    selectors = True
    return selectors


def _server_config(item: YMap) -> ServerConfig | None:
    if item.get("kind") == "Prometheus" and str(item.get("apiVersion", "")).startswith(
        "monitoring.coreos.com/"
    ):
        spec = item.get("spec")
        if not isinstance(spec, YMap):
            spec = YMap(item.line, item.column)
        interval = parse_duration(spec.get("scrapeInterval")) or OPERATOR_SCRAPE_INTERVAL
        alerting = spec.get("alerting")
        return ServerConfig(
            item.line, interval, alerting=isinstance(alerting, YMap) and bool(alerting), operator=True
        )
    if "kind" in item:
        return None
    glob = item.get("global")
    scrape = item.get("scrape_configs")
    has_global = isinstance(glob, YMap) and any(
        k in glob for k in ("scrape_interval", "evaluation_interval", "external_labels")
    )
    if not (isinstance(scrape, YSeq) or has_global or isinstance(item.get("rule_files"), YSeq)):
        return None
    if "route" in item or "receivers" in item or "groups" in item:
        return None  # an Alertmanager config or a rule file with a stray key
    interval = DEFAULT_SCRAPE_INTERVAL
    if isinstance(glob, YMap):
        interval = parse_duration(glob.get("scrape_interval")) or DEFAULT_SCRAPE_INTERVAL
    server = ServerConfig(item.line, interval)
    if isinstance(scrape, YSeq):
        for i, job in enumerate(scrape):
            if isinstance(job, YMap) and isinstance(job.get("job_name"), str):
                own = parse_duration(job.get("scrape_interval"))
                server.jobs.append(ScrapeJob(job["job_name"], own, scrape.item_line(i)))
    files = item.get("rule_files")
    if isinstance(files, YSeq):
        server.rule_files = [str(f) for f in files if isinstance(f, str)]
        server.rule_files_line = item.key_line("rule_files")
    alerting = item.get("alerting")
    if isinstance(alerting, YMap):
        managers = alerting.get("alertmanagers")
        server.alerting = isinstance(managers, YSeq) and len(managers) > 0
    return server


# ---------------------------------------------------------------- rule files


def _read_rule_file(item: YMap, groups: YSeq, operator: bool, doc: PrometheusDoc) -> None:
    issues = doc.issues
    if not operator:
        for key in item:
            if key not in _RULE_FILE_KEYS:
                issues.append(
                    Issue(f"unknown top-level field `{key}` (a rule file holds `groups`)", item.key_line(key))
                )
    seen: dict[str, int] = {}
    allowed = _OPERATOR_GROUP_KEYS if operator else _GROUP_KEYS
    for index, raw in enumerate(groups):
        line = groups.item_line(index)
        if not isinstance(raw, YMap):
            issues.append(Issue("a group must be a mapping with `name` and `rules`", line))
            continue
        group = _read_group(raw, allowed, issues)
        if group is None:
            continue
        if group.name in seen:
            issues.append(
                Issue(
                    f"group name `{group.name}` is repeated (first at line "
                    f"{seen[group.name]}); Prometheus refuses the file",
                    group.line,
                )
            )
        else:
            seen[group.name] = group.line
        doc.groups.append(group)


def _read_group(raw: YMap, allowed: frozenset[str], issues: list[Issue]) -> RuleGroup | None:
    for key in raw:
        if key not in allowed:
            issues.append(Issue(f"unknown group field `{key}`", raw.key_line(key)))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        issues.append(Issue("group has no `name`", raw.line))
        name = ""
    group = RuleGroup(name, raw.key_line("name") if "name" in raw else raw.line)
    for key in ("interval", "query_offset"):
        if key in raw:
            value = parse_duration(raw[key])
            if value is None:
                issues.append(Issue(duration_issue(key, raw[key], "1m, 30s"), raw.value_line(key)))
            elif key == "interval":
                group.interval = value
    limit = raw.get("limit")
    if "limit" in raw and (not isinstance(limit, int) or isinstance(limit, bool)):
        issues.append(Issue("`limit` must be an integer", raw.value_line("limit")))
    group.labels, _ = _string_map(raw, "labels", issues, what="label")
    rules = raw.get("rules")
    if rules is None or (isinstance(rules, YSeq) and not rules):
        issues.append(Issue(f"group `{name}` has no rules", group.line))
        return group
    if not isinstance(rules, YSeq):
        issues.append(Issue("`rules` must be a list of rules", raw.value_line("rules")))
        return group
    for index, rule in enumerate(rules):
        if not isinstance(rule, YMap):
            issues.append(
                Issue("a rule must be a mapping with `alert` or `record` and `expr`", rules.item_line(index))
            )
            continue
        parsed = _read_rule(rule, group, issues)
        if parsed is not None:
            group.rules.append(parsed)
    return group


def _read_rule(raw: YMap, group: RuleGroup, issues: list[Issue]) -> PromRule | None:
    for key in raw:
        if key not in _RULE_KEYS:
            issues.append(Issue(f"unknown rule field `{key}`", raw.key_line(key)))
    if "alert" in raw and "record" in raw:
        issues.append(Issue("a rule sets both `alert` and `record`; it must be one or the other", raw.line))
        return None
    if "alert" not in raw and "record" not in raw:
        issues.append(Issue("a rule needs `alert` or `record`", raw.line))
        return None
    kind: Literal["alert", "record"] = "alert" if "alert" in raw else "record"
    name = _scalar_text(raw[kind])
    line = raw.key_line(kind)
    if not name or not name.strip():
        issues.append(Issue(f"`{kind}` must be a non-empty name", line))
        return None
    if kind == "record" and not _METRIC_NAME.match(name):
        issues.append(Issue(f"`{name}` is not a valid metric name for a recording rule", line))
    expr_text, expr_line = _scalar_text(raw.get("expr")), raw.value_line("expr")
    expr, error = None, None
    if expr_text is None or not expr_text.strip():
        error = "the rule has no `expr`"
        expr_line = line
    else:
        expr, error = parse_promql(expr_text)
    if error is not None:
        issues.append(Issue(f"`{name}`: {error}", expr_line))
    rule = PromRule(kind, name, line, expr_text or "", expr_line, expr, error, group)
    rule.labels, rule.label_lines = _string_map(raw, "labels", issues, what="label")
    rule.annotations, rule.annotation_lines = _string_map(raw, "annotations", issues, what="annotation")
    for key in ("for", "keep_firing_for"):
        if key not in raw:
            continue
        if kind == "record":
            issues.append(Issue(f"recording rule `{name}` cannot have `{key}`", raw.key_line(key)))
            continue
        value = parse_duration(raw[key])
        if value is None:
            issues.append(Issue(duration_issue(key, raw[key], "5m, 1h"), raw.value_line(key)))
        elif key == "for":
            rule.for_, rule.for_line = value, raw.value_line(key)
        else:
            rule.keep_firing_for = value
    if kind == "record" and "annotations" in raw:
        issues.append(Issue(f"recording rule `{name}` cannot have annotations", raw.key_line("annotations")))
    if kind == "record" and "__name__" in rule.labels:
        issues.append(Issue("a recording rule cannot set the `__name__` label", rule.label_lines["__name__"]))
    if kind == "alert":
        for kind_name, values, lines in (
            ("label", rule.labels, rule.label_lines),
            ("annotation", rule.annotations, rule.annotation_lines),
        ):
            for key, text in values.items():
                problem = template_problem(text)
                if problem:
                    issues.append(Issue(f"{kind_name} `{key}`: {problem}", lines[key]))
    return rule


def _scalar_text(value: Any) -> str | None:
    if value is None or isinstance(value, (YMap, YSeq)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_map(
    raw: YMap, key: str, issues: list[Issue], *, what: str
) -> tuple[dict[str, str], dict[str, int]]:
    """A labels/annotations map: string keys that are valid names, scalar values."""
    value = raw.get(key)
    if value is None:
        return {}, {}
    if not isinstance(value, YMap):
        issues.append(Issue(f"`{key}` must be a map of {what} names to strings", raw.value_line(key)))
        return {}, {}
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for name, item in value.items():
        line = value.key_line(name)
        if not isinstance(name, str) or not _LABEL_NAME.match(name):
            issues.append(Issue(f"`{name}` is not a valid {what} name", line))
            continue
        text = _scalar_text(item)
        if text is None and item is not None:
            issues.append(
                Issue(
                    f"{what} `{name}` must be a string, not a {'map' if isinstance(item, YMap) else 'list'}",
                    line,
                )
            )
            continue
        values[name] = text or ""
        lines[name] = line
    return values, lines


def template_problem(text: str) -> str | None:
    """What is wrong with the `{{ }}` actions of a label or annotation template, if anything
    (only what is certain: an action left open, opened twice, or empty)."""
    pos = 0
    while (start := text.find("{{", pos)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            return "template action `{{` is never closed with `}}`"
        again = text.find("{{", start + 2)
        if 0 <= again < end:
            return "a `{{` opens before the previous one is closed"
        if not text[start + 2 : end].strip(" -"):
            return "empty template action `{{}}`"
        pos = end + 2
    return None


# ---------------------------------------------------------------- PromQL


def parse_promql(text: str) -> tuple[pq.Expr | None, str | None]:
    """The AST of a rule expression, or why Prometheus would refuse it."""
    if _too_complex(text):
        return None, (
            f"PromQL does not parse here: over {_MAX_PROMQL_OPERATORS} operators or nesting levels, "
            "more than opsmith reads (its parser slows down quadratically, then crashes)"
        )
    try:
        expr = pq.parse(text)
    except (ValueError, RuntimeError, OverflowError) as exc:
        message = str(exc).strip() or "invalid PromQL"
        if "holt_winters" in message:
            message += " (removed in Prometheus 3: use double_exponential_smoothing)"
        return None, f"PromQL does not parse: {message}"
    kind = value_type(expr)
    if kind in ("matrix", "string"):
        what = "a range vector" if kind == "matrix" else "a string"
        return expr, f"the expression returns {what}; a rule must return an instant vector or a scalar"
    return expr, None


def _too_complex(text: str) -> bool:
    """Whether an expression holds more operators or nesting than promql-parser survives: it takes
    seconds for 2,000 chained operators and overflows its stack at about 5,000 (or 20,000 nested
    parentheses), killing the process. Strings are left out of the count; real rules use a few dozen."""
    if len(text) < _MAX_PROMQL_OPERATORS:
        return False
    bare = _PROMQL_STRING.sub('""', text)
    return len(_PROMQL_OPERATOR.findall(bare)) > _MAX_PROMQL_OPERATORS


def value_type(expr: pq.Expr) -> str:
    """`vector`, `scalar`, `matrix` or `string`: what an expression evaluates to."""
    if isinstance(expr, (pq.MatrixSelector, pq.SubqueryExpr)):
        return "matrix"
    if isinstance(expr, pq.StringLiteral):
        return "string"
    if isinstance(expr, pq.NumberLiteral):
        return "scalar"
    if isinstance(expr, (pq.ParenExpr, pq.UnaryExpr)):
        return value_type(expr.expr)
    if isinstance(expr, pq.Call):
        return str(expr.func.return_type).rsplit(".", 1)[-1].lower()
    if isinstance(expr, pq.BinaryExpr):
        both = (value_type(expr.lhs), value_type(expr.rhs))
        return "scalar" if both == ("scalar", "scalar") else "vector"
    return "vector"


def children(expr: pq.Expr) -> list[pq.Expr]:
    """The sub-expressions of a PromQL node."""
    if isinstance(expr, (pq.AggregateExpr,)):
        param = expr.param
        return [*([param] if isinstance(param, pq.Expr) else []), expr.expr]
    if isinstance(expr, (pq.ParenExpr, pq.UnaryExpr, pq.SubqueryExpr)):
        return [expr.expr]
    if isinstance(expr, pq.BinaryExpr):
        return [expr.lhs, expr.rhs]
    if isinstance(expr, pq.Call):
        return [a for a in expr.args if isinstance(a, pq.Expr)]
    if isinstance(expr, pq.MatrixSelector):
        return [expr.vector_selector]
    return []


def walk(expr: pq.Expr) -> Iterator[pq.Expr]:
    """Every node of a PromQL AST, depth first, parents before children."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def metric_name(selector: pq.VectorSelector) -> str | None:
    """The metric a selector reads: its name, or an equality matcher on `__name__`."""
    if selector.name:
        return selector.name
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == pq.MatchOp.Equal:
            return matcher.value
    return None


def equal_matcher(selector: pq.VectorSelector, label: str) -> str | None:
    for matcher in selector.matchers.matchers:
        if matcher.name == label and matcher.op == pq.MatchOp.Equal:
            return matcher.value
    return None
