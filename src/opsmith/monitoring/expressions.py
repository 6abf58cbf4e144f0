"""What an alert or a dashboard query reads, once recording rules are expanded.

A recording rule's series (`svc:errors:ratio5m`) stands for its expression, so a selector of it is
followed into the rules that record it (cycles and unknown names stop the walk); the matchers
written on the recorded series still scope what it reads. From every selector reached, a query:
- reads request errors: an error counter (`errors`, `failures`, `5xx` in its name, or a recorded
  series named for errors, availability or an SLI), or a request counter split by a status label
  (`code`, `status`, `grpc_code`...), as an error ratio or an availability SLO is;
- reads latency: a histogram's buckets, `histogram_quantile`, a summary's quantiles, or a
  duration/latency series other than its request count;
- reads liveness: `up`, `absent(...)`, restarts, a queue's depth or lag, a heartbeat, or the time
  of a last successful run (what says a worker or cron still does its work);
- is scoped by its matchers on labels that name a workload (`job`, `service`, `app`, ...);
- keeps the `job` label in its result (an alert "per job" then covers every scraped service).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import promql_parser as pq

from opsmith.monitoring.coverage import Evidence
from opsmith.monitoring.naming import SCOPE_LABELS, words
from opsmith.parse.prometheus import PromRule, metric_name, parse_promql, walk

_ERROR_WORDS = frozenset(
    {"error", "errors", "err", "fail", "failed", "failure", "failures", "5xx", "availability", "sli", "burn"}
)
_REQUEST_WORDS = frozenset(
    {
        "requests",
        "request",
        "responses",
        "handled",
        "http",
        "grpc",
        "calls",
        "jobs",
        "job",
        "tasks",
        "messages",
        "runs",
    }
)
# Whether a worker or cron runs: its target's `up`, restarts, a queue that drains, a heartbeat, or
# the age of its last successful run (`time() - ...last_success...`, kube-state-metrics' CronJob
# series included); comparing a last failure with a last success says a run failed instead.
_LIVENESS_WORDS = frozenset({"restarts", "heartbeat", "queue", "backlog", "lag", "depth", "pending"})
_LAST_SUCCESS_WORDS = frozenset({"success", "successful", "succeeded"})
_ABSENT_FUNCTIONS = frozenset({"absent", "absent_over_time"})
_STATUS_LABELS = frozenset(
    {
        "code",
        "status",
        "status_code",
        "http_status",
        "http_code",
        "response_code",
        "grpc_code",
        "http_response_status_code",
        "outcome",
        "result",
    }
)
_LATENCY_WORDS = frozenset({"duration", "latency", "latencies", "p95", "p99", "p90", "slow", "seconds"})
_COUNT_SUFFIX = re.compile(r"_(?:count|total)$")
_NO_SERIES_FUNCTIONS = frozenset({"vector", "time", "scalar", "absent", "absent_over_time"})
_MAX_DEPTH = 20
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
_RANGE_VARIABLE = re.compile(r"\[\s*\$(?:\{\w+(?::\w+)?\}|\w+)\s*\]")


@dataclass(frozen=True)
class Scope:
    label: str
    op: str  # "=" or "=~"
    value: str


@dataclass
class Reads:
    error: bool = False
    latency: bool = False
    liveness: bool = False
    scopes: list[Scope] = field(default_factory=list)
    keeps_job: bool = False
    metrics: set[str] = field(default_factory=set)
    through: list[Evidence] = field(default_factory=list)  # recording rules followed


Recorded = Mapping[str, Sequence[tuple[str, PromRule]]]


def reads_of(expr: pq.Expr | None, recorded: Recorded) -> Reads:
    reads = Reads()
    if expr is None:
        return reads
    _collect(expr, recorded, reads, set(), 0)
    reads.keeps_job = keeps_label(expr, "job", recorded, set())
    return reads


def reads_of_text(text: str, recorded: Recorded) -> Reads:
    """A dashboard query; Grafana's `$var` and `${var}` are read as a literal value (a range such as
    `[$__rate_interval]` as five minutes)."""
    text = _RANGE_VARIABLE.sub("[5m]", text)
    expr, _ = parse_promql(_VARIABLE.sub(r"__var_\1\2", text))
    reads = reads_of(expr, recorded)
    reads.scopes = [Scope(s.label, s.op, re.sub(r"__var_(\w+)", r"$\1", s.value)) for s in reads.scopes]
    return reads


def _collect(expr: pq.Expr, recorded: Recorded, reads: Reads, seen: set[str], depth: int) -> None:
    selectors = [n for n in walk(expr) if isinstance(n, pq.VectorSelector)]
    calls = {n.func.name for n in walk(expr) if isinstance(n, pq.Call)}
    if "histogram_quantile" in calls:
        reads.latency = True
    if calls & _ABSENT_FUNCTIONS:
        reads.liveness = True
    names = {metric_name(s) for s in selectors} - {None}
    for selector in selectors:
        name = metric_name(selector) or ""
        reads.metrics.add(name)
        matchers = selector.matchers.matchers
        for m in matchers:
            if m.name in SCOPE_LABELS and m.op in (pq.MatchOp.Equal, pq.MatchOp.Re):
                reads.scopes.append(Scope(m.name, "=" if m.op == pq.MatchOp.Equal else "=~", m.value))
        name_words = set(words(name))
        status = any(m.name in _STATUS_LABELS for m in matchers)
        if name_words & _ERROR_WORDS or (status and name_words & _REQUEST_WORDS):
            reads.error = True
        if _is_latency(name, name_words, names, matchers):
            reads.latency = True
        if name == "up" or name_words & _LIVENESS_WORDS:
            reads.liveness = True
        if "time" in calls and "last" in name_words and name_words & _LAST_SUCCESS_WORDS:
            reads.liveness = True
        if name in recorded and name not in seen and depth < _MAX_DEPTH:
            seen.add(name)
            for path, rule in recorded[name]:
                reads.through.append(Evidence(path, rule.line))
                if rule.expr is not None:
                    _collect(rule.expr, recorded, reads, seen, depth + 1)


def _is_latency(
    name: str, name_words: set[str], names: set[str | None], matchers: Sequence[pq.Matcher]
) -> bool:
    if name.endswith("_bucket") or any(m.name in ("le", "quantile") for m in matchers):
        return True
    if not name_words & _LATENCY_WORDS:
        return False
    if name.endswith("_count"):  # a histogram's request count: latency only beside its `_sum`
        return name.removesuffix("_count") + "_sum" in names
    return not _COUNT_SUFFIX.search(name)


def keeps_label(expr: pq.Expr, label: str, recorded: Recorded, seen: set[str]) -> bool:
    """Whether the result of `expr` still carries `label` (as far as the expression says)."""
    if isinstance(expr, pq.VectorSelector):
        name = metric_name(expr) or ""
        if name in recorded and name not in seen:
            seen.add(name)
            return any(
                r.expr is not None and keeps_label(r.expr, label, recorded, seen) for _, r in recorded[name]
            )
        return True
    if isinstance(expr, pq.MatrixSelector):
        return keeps_label(expr.vector_selector, label, recorded, seen)
    if isinstance(expr, pq.AggregateExpr):
        modifier = expr.modifier
        if modifier is None:
            return False
        named = label in modifier.labels
        kept = named if modifier.type == pq.AggModifierType.By else not named
        return kept and keeps_label(expr.expr, label, recorded, seen)
    if isinstance(expr, pq.Call):
        if expr.func.name in _NO_SERIES_FUNCTIONS:
            return False
        return any(keeps_label(a, label, recorded, seen) for a in expr.args if isinstance(a, pq.Expr))
    if isinstance(expr, pq.BinaryExpr):
        for side in (expr.lhs, expr.rhs):
            if not isinstance(side, (pq.NumberLiteral, pq.StringLiteral)):
                return keeps_label(side, label, recorded, seen)
        return False
    if isinstance(expr, (pq.ParenExpr, pq.UnaryExpr, pq.SubqueryExpr)):
        return keeps_label(expr.expr, label, recorded, seen)
    return False
