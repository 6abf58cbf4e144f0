"""Prometheus rule files PM001-PM010 (PM011, Alertmanager routing, lives in rules/alertmanager.py).

Rule files are read in both of their forms: plain rule files and prometheus-operator `PrometheusRule`
objects. PromQL is judged on the AST from `promql-parser`, never on the expression's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from posixpath import dirname, join, normpath
from urllib.parse import urlsplit

import promql_parser as pq

from opsmith.findings import Problem, Severity
from opsmith.fix.prometheus import ALERT_FOR
from opsmith.parse.prometheus import (
    DEFAULT_SCRAPE_INTERVAL,
    PrometheusDoc,
    PromRule,
    ServerConfig,
    equal_matcher,
    metric_name,
    parse_duration,
    show_duration,
    walk,
)
from opsmith.regex import lazy
from opsmith.rules import prometheus_metrics as metrics
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, repo_rule
from opsmith.safe_read import NotReadable, read_limited

FAMILY = "prometheus"
SEVERITIES = ("critical", "warning", "info")
_SILENT = frozenset({"info", "none"})  # severities that notify nobody
_ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
# Metrics that count down to (or up from) a moment: a TTL, an expiry or a start timestamp.
_CLOCK_METRIC = lazy(r"_(?:ttl|expiry|expiration|expires|not_after)(?:_|$)|_timestamp(?:_seconds)?$")
# A device's fault state (`node_md_disks{state="failed"}`, `..._degraded`, a hardware alarm): it holds
# until someone replaces the part, so the first evaluation that sees it is as good as the tenth.
_FAULT_WORD = lazy(r"(?i)^(?:failed|failure|faulty|degraded|alarm)$")
_FAULT_METRIC = lazy(r"_(?:failed|failure|faulty|degraded|alarm)$")
PAGING_SEVERITIES = frozenset({"critical"})
RANGE_FUNCTIONS = frozenset({"rate", "increase", "irate"})
RANGE_FACTOR = 4
_RATING = frozenset({"rate", "increase", "irate"})
_KEEPS_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})  # select series, keep labels


@file_rule(
    "PM001",
    "E",
    FAMILY,
    "Rule file is invalid",
    fix="Correct the rule so `promtool check rules` accepts it.",
    docs="""
## What it does
Reads a rule file (or the `spec.groups` of a `PrometheusRule` object) the way Prometheus loads it and
reports what would make it refuse the file or fail at every evaluation: YAML that does not parse,
unknown fields, a group without a `name` or without rules, a repeated group name, a rule with both or
neither of `alert`/`record`, a missing `expr`, `for`/`keep_firing_for` values that are not durations,
labels and annotations that are not maps of strings, `{{` template actions left open, PromQL that does
not parse (checked with a real PromQL parser), and expressions that return a range vector or a
string. Experimental PromQL functions (`limitk`, `sort_by_label`, `info`...) are reported unless
`[prometheus] experimental-functions = true` says the server enables them.

## Why it matters
Prometheus refuses to load a rule file with one bad rule, so a typo in one alert silently keeps
every alert of the file (or, on reload, every change since the last good file) out of production.
Nothing pages, and nobody knows.

## Example
```yaml
groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{code=~"5.."}[5m]) / sum(rate(http_requests_total[5m]))
        for: 5
```

## Fix
```yaml
groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05
        for: 5m
```
Run `promtool check rules` in CI as well.

## Equivalent rules
pint `promql/syntax` and `alerts/template`; `promtool check rules` (which also rejects groups
without a name and duplicate groups, but accepts empty groups and range-vector rules).
""",
)
def pm001(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    for issue in doc.issues:
        yield Problem(issue.message, issue.line)
    experimental_ok = bool(ctx.setting("prometheus.experimental-functions", False))
    for rule in doc.rules:
        if rule.expr is None or rule.expr_error is not None:
            continue
        for node in walk(rule.expr):
            problem = _unsupported(node, experimental_ok)
            if problem:
                yield Problem(f"`{rule.name}`: {problem}", rule.expr_line)
                break


def _unsupported(node: pq.Expr, experimental_ok: bool) -> str | None:
    if isinstance(node, pq.VectorSelector) and node.matchers.or_matchers:
        return "`or` between label matchers is not PromQL: Prometheus rejects the selector"
    if experimental_ok:
        return None
    if isinstance(node, pq.Call) and node.func.experimental:
        return (
            f"`{node.func.name}` is an experimental function: Prometheus rejects it unless started "
            "with --enable-feature=promql-experimental-functions"
        )
    if isinstance(node, pq.AggregateExpr) and str(node.op) in ("limitk", "limit_ratio"):
        return f"`{node.op}` is an experimental aggregation (promql-experimental-functions)"
    return None


@file_rule(
    "PM002",
    "W",
    FAMILY,
    "Alert has no `for` duration",
    fixer=ALERT_FOR,
    fix="Add `for:` (e.g. `for: 5m`) so the condition must hold for a while before it fires.",
    docs="""
## What it does
Reports an alerting rule without `for:` (or with `for: 0s`). Alerts whose expression reads no series
at all (such as the `vector(1)` watchdog that is meant to fire constantly), and alerts that read only
Prometheus' own `ALERTS` series (an inhibitor that mirrors other alerts, which have their own `for`),
are exempt.

A warning when `for` is simply missing; info when `for: 0s` is written out, which says the author
chose to fire at once (an event such as an eviction), when the condition follows the clock (it
calls `time()`, or reads a TTL, expiry or timestamp metric such as a certificate's remaining
seconds: it moves steadily and one bad scrape cannot make it flap), when every series it reads is a
device's fault state (`node_md_disks{state="failed"} > 0` for a failed RAID member, a metric named
`..._degraded` or `..._alarm`; no rate or range): hardware holds such a state until someone acts,
so waiting adds only delay, and when the alert's severity is `info` or `none`, which notify nobody.
A ratio or a level compared to a threshold (conntrack entries above 75 % of the limit) can cross
it for one evaluation, and stays a warning.

## Why it matters
Without `for`, one bad evaluation fires the alert: a single slow scrape, a counter reset or a deploy's
brief blip pages someone and resolves a minute later. Flapping alerts train people to ignore pages.

## Example
```yaml
- alert: HighLatency
  expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
```

## Fix
```yaml
- alert: HighLatency
  expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
  for: 10m
```

## Equivalent rules
pint `rule/for` (when configured to require a minimum `for`); promtool has none.
""",
)
def pm002(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    for rule in doc.alerts:
        if rule.expr is None or not _reads_series(rule.expr) or _mirrors_alerts(rule.expr):
            continue
        if rule.for_ is not None and rule.for_ > timedelta(0):
            continue
        message = f"alert `{rule.name}` fires on the first bad evaluation: it has no `for`"
        if rule.for_line is not None:
            message = f"alert `{rule.name}` fires on the first bad evaluation (`for` is zero)"
        quiet = (
            rule.for_line is not None
            or rule.severity in _SILENT
            or _follows_the_clock(rule.expr)
            or _reads_a_fault_state(rule.expr)
        )
        line = rule.for_line if rule.for_line is not None else rule.line
        yield Problem(message, line, at_most=Severity.INFO if quiet else None)


@file_rule(
    "PM003",
    "E",
    FAMILY,
    "Alert has no runbook link",
    fix="Add `annotations.runbook_url` pointing at the page that says what to do.",
    docs="""
## What it does
Reports an alerting rule without a non-empty `runbook_url` annotation.

## Why it matters
The person paged at 3 a.m. is often not the one who wrote the alert. A runbook tells them what the
alert means, how to confirm it, and how to mitigate it; without one, every page starts with
archaeology while the incident goes on.

## Example
```yaml
- alert: CheckoutErrors
  expr: job:http_errors:ratio_rate5m{job="checkout"} > 0.05
  for: 5m
  labels: {severity: critical}
```

## Fix
```yaml
  annotations:
    summary: Checkout is failing for more than 5% of requests
    runbook_url: https://github.com/acme/shop/blob/main/docs/runbooks/checkout-errors.md
```

## Equivalent rules
pint `alerts/annotation` configured to require `runbook_url`; promtool has none.
""",
)
def pm003(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    for rule in doc.alerts:
        if not rule.annotations.get("runbook_url", "").strip():
            yield Problem(f"alert `{rule.name}` has no `runbook_url` annotation", rule.line)


@file_rule(
    "PM004",
    "E",
    FAMILY,
    "Alert severity missing or not a known level",
    fix="Set `labels.severity` to critical (pages), warning (ticket) or info (no notification).",
    docs="""
## What it does
Reports an alerting rule whose `severity` label (its own, or its group's) is missing or is not one
of `critical`, `warning`, `info`. Another set of levels can be configured with
`[prometheus] severities = ["page", "ticket"]`. Templated values (`{{ ... }}`) are not judged.
`severity: none` is accepted on the alerts that exist for the alerting pipeline rather than for
people, by the convention kube-prometheus and the prometheus-operator runbooks use: a watchdog
whose expression reads no series (`vector(1)`, the dead man's switch) and an inhibitor that reads
only `ALERTS` (InfoInhibitor). Both are routed to a null receiver or an external heartbeat.

## Why it matters
Alertmanager routes on labels. An alert without a severity, or with `severity: high` when the routes
match `critical`, falls through to the default receiver: a page becomes a Slack message nobody
reads, or a notice wakes someone up.

## Example
```yaml
- alert: DiskAlmostFull
  expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1
  for: 30m
  labels:
    severity: high
```

## Fix
```yaml
  labels:
    severity: warning
```

## Equivalent rules
pint `rule/label` configured with `severity` as a required label and its allowed values.
""",
)
def pm004(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    allowed = _allowed_severities(ctx.setting("prometheus.severities"))
    for rule in doc.alerts:
        severity = rule.severity
        if severity is None:
            yield Problem(f"alert `{rule.name}` has no `severity` label", rule.line)
        elif severity == "none" and rule.expr is not None and _never_notifies(rule.expr):
            continue
        elif "{{" not in severity and severity not in allowed:
            line = rule.label_lines.get("severity", rule.group.line)
            yield Problem(
                f"alert `{rule.name}` has severity `{severity}`, not one of {', '.join(allowed)}", line
            )


def _never_notifies(expr: pq.Expr) -> bool:
    """An alert that exists for the pipeline, not for people: a watchdog that always fires
    (`vector(1)`, read by a dead man's switch) or an inhibitor built from `ALERTS`."""
    return not _reads_series(expr) or _mirrors_alerts(expr)


def _allowed_severities(setting: object) -> tuple[str, ...]:
    if isinstance(setting, list) and setting and all(isinstance(s, str) for s in setting):
        return tuple(setting)
    return SEVERITIES


@file_rule(
    "PM005",
    "W",
    FAMILY,
    "Alert has neither summary nor description",
    fix="Add `annotations.summary` (one line) and `annotations.description` (what, where, how bad).",
    docs="""
## What it does
Reports an alerting rule that has neither a non-empty `summary` nor a non-empty `description`
annotation.

## Why it matters
The notification is all the on-call person sees first. With no summary or description it shows an
alert name and a bag of labels; they cannot tell how bad it is or what is affected without opening
Prometheus, which costs minutes in an incident.

## Example
```yaml
- alert: KafkaConsumerLag
  expr: kafka_consumergroup_lag > 10000
  for: 10m
```

## Fix
```yaml
  annotations:
    summary: "Consumer group {{ $labels.consumergroup }} is falling behind"
    description: "Lag is {{ $value }} messages on {{ $labels.topic }}; orders are delayed."
```

## Equivalent rules
pint `alerts/annotation` configured to require `summary` or `description`.
""",
)
def pm005(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    for rule in doc.alerts:
        if not any(rule.annotations.get(k, "").strip() for k in ("summary", "description")):
            yield Problem(f"alert `{rule.name}` has no `summary` or `description` annotation", rule.line)


_CAUSE_LIST = ", ".join(f"`{m}`" for m in sorted(metrics.CAUSE_METRICS))
_CAUSE_PREFIX_LIST = ", ".join(f"`{p}*`" for p in metrics.CAUSE_PREFIXES)
_SYMPTOM_LIST = ", ".join(f"`{m}`" for m in sorted(metrics.SYMPTOM_METRICS))


@file_rule(
    "PM006",
    "W",
    FAMILY,
    "Paging alert on a cause, not a symptom",
    fix="Page on what users feel (errors, latency, availability, SLO burn rate); "
    "send resource-usage alerts as warnings (tickets).",
    docs=f"""
## What it does
Reports an alert with `severity: critical` (one that pages) whose expression reads only resource-
usage metrics: CPU, memory, disk, filesystem, load, file descriptors, network throughput. The
metric names come from the PromQL AST; recording rules of the same file are followed to the metrics
they record, and other recorded names (`level:metric:operations`) are judged by their middle part.
An expression that also reads any other metric is left alone.

Cause metrics: {_CAUSE_LIST}, and names starting with {_CAUSE_PREFIX_LIST}.
Symptom metrics (never causes): {_SYMPTOM_LIST}, and names that look like request/error counters,
latency histograms, queue lag or depth, SLIs, SLO burn rates and error budgets.

## Why it matters
High CPU or memory is not an outage: services run hot for hours without users noticing, and they
fail while the CPU is idle. Paging on causes wakes people for nothing and still misses real
outages; paging on symptoms (error rate, latency, availability, burn rate) pages exactly when users
are hurt, and the cause alerts become context on the dashboard or tickets.

## Example
```yaml
- alert: HighCPU
  expr: 100 - avg by (instance) (rate(node_cpu_seconds_total{{mode="idle"}}[5m])) * 100 > 90
  for: 15m
  labels: {{severity: critical}}
```

## Fix
```yaml
- alert: HighCPU
  labels: {{severity: warning}}
- alert: CheckoutSLOBurn
  expr: slo:checkout_errors:burnrate1h > 14.4 and slo:checkout_errors:burnrate5m > 14.4
  labels: {{severity: critical}}
```

## Equivalent rules
None in pint, promtool or checkov; it follows the Google SRE book's "alert on symptoms" advice.
""",
)
def pm006(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    recorded = doc.recorded()
    for rule in doc.alerts:
        if rule.severity not in PAGING_SEVERITIES or rule.expr is None:
            continue
        names = _metric_names(rule.expr)
        if names and all(_class_of(n, recorded, 0) == "cause" for n in names):
            shown = ", ".join(sorted(names)[:3])
            yield Problem(
                f"alert `{rule.name}` pages on resource usage only ({shown}): page on a symptom",
                rule.label_lines.get("severity", rule.line),
            )


def _class_of(name: str, recorded: dict[str, list[PromRule]], depth: int) -> str:
    rules = recorded.get(name)
    if not rules or depth > 8:
        return metrics.classify(name)
    classes = {
        _class_of(n, recorded, depth + 1)
        for rule in rules
        if rule.expr is not None
        for n in _metric_names(rule.expr)
    }
    return "cause" if classes == {"cause"} else "unknown"


def _metric_names(expr: pq.Expr) -> set[str]:
    names: set[str] = set()
    for node in walk(expr):
        if isinstance(node, pq.VectorSelector):
            name = metric_name(node)
            names.add(name if name else "{}")  # a selector by labels only: unknown
    return names


def _reads_series(expr: pq.Expr) -> bool:
    return any(isinstance(node, pq.VectorSelector) for node in walk(expr))


def _follows_the_clock(expr: pq.Expr) -> bool:
    """A condition on elapsed or remaining time (`time() - start > 12h`, a certificate's TTL below a
    week) moves steadily with the clock: one bad scrape cannot make it flap."""
    for node in walk(expr):
        if isinstance(node, pq.Call) and node.func.name == "time":
            return True
        if isinstance(node, pq.VectorSelector) and _CLOCK_METRIC().search(metric_name(node) or ""):
            return True
    return False


def _reads_a_fault_state(expr: pq.Expr) -> bool:
    """Does every series the condition reads, read without a range, report a device's fault state
    (a `state` or `status` label of `failed`/`degraded`, or a metric named for one)?"""
    selectors = []
    for node in walk(expr):
        if isinstance(node, pq.MatrixSelector):
            return False  # a rate or an average over time moves with load: it can flap
        if isinstance(node, pq.VectorSelector):
            selectors.append(node)
    return bool(selectors) and all(
        _FAULT_METRIC().search(metric_name(node) or "")
        or any(m.name in ("state", "status") and _FAULT_WORD().match(m.value) for m in node.matchers.matchers)
        for node in selectors
    )


def _mirrors_alerts(expr: pq.Expr) -> bool:
    """Does the expression read only the `ALERTS` series Prometheus writes for other alerts?"""
    names = [metric_name(node) for node in walk(expr) if isinstance(node, pq.VectorSelector)]
    return bool(names) and all(name in _ALERT_SERIES for name in names)


@repo_rule(
    "PM007",
    "W",
    FAMILY,
    "rate()/increase()/irate() range shorter than 4 scrape intervals",
    fix="Use a range of at least 4x the scrape interval (e.g. [2m] at 30s, [4m] at 1m).",
    docs="""
## What it does
Reports `rate`, `increase` and `irate` over a range shorter than four scrape intervals. The interval
is read from the Prometheus configuration in the repository (`prometheus.yml`: the job's own
`scrape_interval` when the selector names a `job`, else `global.scrape_interval`; a prometheus-operator
`Prometheus` object's `scrapeInterval`), preferring the configuration whose `rule_files` load the rule
file. Without any, `[prometheus] scrape-interval = "15s"` in the opsmith configuration gives it, and it
is 1m when nothing says.

## Why it matters
`rate` needs at least two samples inside the range. With a range of one or two intervals, a single
late or failed scrape leaves one sample: the series disappears from the result and the alert
resolves (or never fires) exactly when things are flaky. Four intervals tolerate a missed scrape.

## Example
```yaml
# global.scrape_interval: 30s
expr: sum(rate(http_requests_total{code=~"5.."}[1m])) > 5
```

## Fix
```yaml
expr: sum(rate(http_requests_total{code=~"5.."}[2m])) > 5
```

## Equivalent rules
pint `promql/rate` (which asks for at least 2x the scrape interval); promtool has none.
""",
)
def pm007(repo: RepoContext) -> Iterator[Problem]:
    docs = repo.documents(FAMILY)
    servers = [(path, server) for path, doc in docs for server in doc.servers]
    configured = parse_duration(repo.setting("prometheus.scrape-interval"))
    fallback = (
        (configured, "[prometheus] scrape-interval")
        if configured
        else (DEFAULT_SCRAPE_INTERVAL, "assumed: no Prometheus configuration found")
    )
    for path, doc in docs:
        if not doc.groups:
            continue
        loading = [(p, s) for p, s in servers if _loads(p, s, path)] or servers
        for rule in doc.rules:
            if rule.expr is None:
                continue
            messages: dict[str, None] = {}  # one finding per distinct problem of an expression
            for call, selector in _range_calls(rule.expr):
                job = equal_matcher(selector.vector_selector, "job")
                interval, source = _scrape_interval(loading, job, fallback)
                needed = interval * RANGE_FACTOR
                if selector.range < needed:
                    messages[
                        f"`{rule.name}`: {call}() over [{show_duration(selector.range)}] is less than "
                        f"4 scrape intervals of {show_duration(interval)} ({source}): "
                        f"use at least [{show_duration(needed)}]"
                    ] = None
            for message in messages:
                yield Problem(message, rule.expr_line, path=path)


def _range_calls(expr: pq.Expr) -> Iterator[tuple[str, pq.MatrixSelector]]:
    for node in walk(expr):
        if isinstance(node, pq.Call) and node.func.name in RANGE_FUNCTIONS:
            arg = node.args[0] if node.args else None
            if isinstance(arg, pq.MatrixSelector):
                yield node.func.name, arg


def _scrape_interval(
    servers: Sequence[tuple[str, ServerConfig]], job: str | None, fallback: tuple[timedelta, str]
) -> tuple[timedelta, str]:
    """The scrape interval behind a selector, and where it comes from (the smallest one when
    several configurations could apply: fewer, surer findings)."""
    if job is not None:
        own = [(i, p) for p, s in servers if (i := s.interval_of(job)) is not None]
        if own:
            interval, path = min(own)
            return interval, f"job `{job}` in {path}"
    if servers:
        interval, path = min((s.scrape_interval, p) for p, s in servers)
        return interval, f"global scrape_interval in {path}"
    return fallback


def _loads(server_path: str, server: ServerConfig, rule_path: str) -> bool:
    """Whether this server configuration's `rule_files` globs name the rule file."""
    for pattern in server.rule_files or ():
        if pattern.startswith("/"):  # a path inside the server's container: compare the tail
            tail = pattern.strip("/").split("/")[-2:]
            if fnmatchcase("/".join(rule_path.split("/")[-len(tail) :]), "/".join(tail)):
                return True
        elif fnmatchcase(rule_path, normpath(join(dirname(server_path), pattern))):
            return True
    return False


@file_rule(
    "PM008",
    "E",
    FAMILY,
    "histogram_quantile over raw buckets or without `le`",
    fix="Use `histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))`: rate the buckets "
    "and keep `le` in every aggregation.",
    docs="""
## What it does
Looks at each `histogram_quantile(φ, ...)` and follows its second argument down to the `*_bucket`
series it reads. It reports buckets that are not inside `rate`, `increase` or `irate` (recorded series,
whose names contain `:`, are taken as already rated), and any aggregation on the way that drops the
`le` label: `sum(...)` with no `by`, `by (...)` without `le`, or `without (le)`. Native histograms
(series without the `_bucket` suffix) are not judged.

## Why it matters
Classic histogram buckets are cumulative counters: a quantile over raw buckets describes everything
since the process started, not the last minutes, so a latency regression never shows. Without `le`
the buckets are summed into one number and `histogram_quantile` returns NaN or nothing at all, so the
latency alert can never fire.

## Example
```yaml
expr: histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m]))) > 0.5
expr: histogram_quantile(0.99, http_request_duration_seconds_bucket) > 0.5
```

## Fix
```yaml
expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
```

## Equivalent rules
pint `promql/aggregate` can be configured to require `le` in a `by` clause; promtool and checkov have
none.
""",
)
def pm008(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    for rule in doc.rules:
        if rule.expr is None:
            continue
        reported: set[str] = set()
        for node in walk(rule.expr):
            if not (isinstance(node, pq.Call) and node.func.name == "histogram_quantile"):
                continue
            if len(node.args) < 2:
                continue
            for message in _bucket_problems(node.args[1], rated=False, dropping=None):
                if message not in reported:
                    reported.add(message)
                    yield Problem(f"`{rule.name}`: {message}", rule.expr_line)


def _bucket_problems(node: pq.Expr, *, rated: bool, dropping: str | None) -> Iterator[str]:
    if isinstance(node, pq.VectorSelector):
        name = metric_name(node) or ""
        if not name.endswith("_bucket"):
            return
        if not rated and ":" not in name:
            yield f"histogram_quantile over `{name}` without rate(): buckets are cumulative counters"
        if dropping:
            yield f"histogram_quantile over `{name}` aggregated with `{dropping}`, which drops `le`"
        return
    if isinstance(node, pq.Call) and node.func.name in _RATING:
        rated = True
    if isinstance(node, pq.AggregateExpr):
        dropping = dropping or _drops_le(node)
        children: Iterable[pq.Expr] = [node.expr]
    elif isinstance(node, pq.Call):
        children = [a for a in node.args if isinstance(a, pq.Expr)]
    elif isinstance(node, pq.BinaryExpr):
        children = [node.lhs, node.rhs]
    elif isinstance(node, (pq.ParenExpr, pq.UnaryExpr, pq.SubqueryExpr)):
        children = [node.expr]
    elif isinstance(node, pq.MatrixSelector):
        children = [node.vector_selector]
    else:
        children = []
    for child in children:
        yield from _bucket_problems(child, rated=rated, dropping=dropping)


def _drops_le(node: pq.AggregateExpr) -> str | None:
    op = str(node.op)
    if op in _KEEPS_LABELS:
        return None
    modifier = node.modifier
    if modifier is None:
        return f"{op}(...)"
    labels = list(modifier.labels)
    if modifier.type == pq.AggModifierType.By and "le" not in labels:
        return f"{op} by ({', '.join(labels)})"
    if modifier.type == pq.AggModifierType.Without and "le" in labels:
        return f"{op} without ({', '.join(labels)})"
    return None


@repo_rule(
    "PM009",
    "W",
    FAMILY,
    "Runbook link points at a file missing from the repository",
    fix="Write the runbook at that path, or correct the link.",
    docs="""
## What it does
Checks every `runbook_url` that points into this repository: a relative path (resolved from the
repository root and from the rule file's folder) or a GitHub/GitLab/Bitbucket `blob`/`tree`/`src`
URL of this very repository, recognised from the remotes in `.git/config` (read as text; nothing is
fetched). It reports the link when no such file or folder exists. Links elsewhere are not
judged, nor are templated links (`runbooks/{{ $labels.alertname }}.md`, also URL-encoded as
`%7B%7B`): Prometheus fills them in per alert, so no single file is meant.

## Why it matters
A runbook link that 404s is worse than none: the on-call person clicks it mid-incident, loses
a minute, and learns the documentation cannot be trusted. Runbooks get renamed and moved;
alerts rarely follow.

## Example
```yaml
annotations:
  runbook_url: https://github.com/acme/shop/blob/main/docs/runbooks/high-latency.md  # file renamed
```

## Fix
```yaml
annotations:
  runbook_url: https://github.com/acme/shop/blob/main/docs/runbooks/api-latency.md
```

## Equivalent rules
pint `rule/link` (which fetches the URL over HTTP); promtool and checkov have none.
""",
)
def pm009(repo: RepoContext) -> Iterator[Problem]:
    remotes: list[tuple[str, str]] | None = None
    for path, doc in repo.documents(FAMILY):
        for rule in doc.alerts:
            url = rule.annotations.get("runbook_url", "").strip()
            if not url or "{{" in url or "%7b%7b" in url.lower():
                continue
            line = rule.annotation_lines.get("runbook_url", rule.line)
            if "://" in url:
                if remotes is None:
                    remotes = git_remotes(repo.root)
                target = forge_paths(url, remotes)
                if target is not None and not exists_in_git_tree(repo.root, target):
                    yield Problem(
                        f"`{rule.name}`: runbook `{url}` points at `{target[0]}`, which is not in the "
                        "repository",
                        line,
                        path=path,
                    )
            elif not url.startswith("/") and not _SCHEME.match(url):
                relative = url.split("#", 1)[0].split("?", 1)[0]
                candidates = [normpath(relative), normpath(join(dirname(path), relative))]
                if relative and not any(_exists(repo, c) for c in candidates):
                    yield Problem(
                        f"`{rule.name}`: runbook `{url}` does not exist (tried {' and '.join(candidates)})",
                        line,
                        path=path,
                    )


def _exists(repo: RepoContext, relpath: str) -> bool:
    return repo.exists(relpath) or _on_disk(repo.root / relpath)


def _on_disk(path: Path) -> bool:
    """Whether a file or folder is there; False for a name no file can have (too long, say), where
    `Path.exists` raises."""
    try:
        return path.exists()
    except OSError:
        return False


_REMOTE = re.compile(
    r"^(?:[a-z+]+://)?(?:[^@/]+@)?(?P<host>[^/:]+)(?::\d+)?[:/](?P<path>.+?)(?:\.git)?/?$", re.IGNORECASE
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FORGE_VIEW = re.compile(r"^(?:-/)?(?:blob|tree|src|raw)/(?P<rest>.+)$")


def git_remotes(root: Path) -> list[tuple[str, str]]:
    """(host, owner/repo path) of every remote of the git repository holding `root`, lower-cased,
    read from the text of its config file."""
    config = _git_config(root)
    if config is None:
        return []
    text = _git_file(config)
    if text is None:
        return []
    out = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section.startswith("[remote ") and re.match(r"url\s*=", line):
            found = _REMOTE.match(line.split("=", 1)[1].strip())
            if found:
                out.append((found["host"].lower(), found["path"].strip("/").lower()))
    return out


def git_top(root: Path) -> Path | None:
    for folder in [root, *root.resolve().parents]:
        if (folder / ".git").exists():
            return folder
    return None


def _git_config(root: Path) -> Path | None:
    top = git_top(root)
    if top is None:
        return None
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git / "config"
    pointer = _git_file(dot_git)  # a worktree or submodule: `.git` names the real git directory
    if pointer is None or not pointer.startswith("gitdir:"):
        return None
    gitdir = (top / pointer[7:].strip()).resolve()
    common = _git_file(gitdir / "commondir")
    if common is not None:
        gitdir = (gitdir / common.strip()).resolve()
    return gitdir / "config"


def _git_file(path: Path) -> str | None:
    """A small file of git's own, or None (missing, or a FIFO or device that would block)."""
    try:
        return read_limited(path, 1024 * 1024).decode("utf-8", errors="replace")
    except (OSError, NotReadable):
        return None


def forge_paths(url: str, remotes: Sequence[tuple[str, str]]) -> tuple[str, ...] | None:
    """The candidate paths (relative to the git top) a forge URL of this repository points at,
    trying every split of `ref/path` since branch names may hold slashes; None when the URL is not
    a file view of this repository."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL (an unclosed `[` of an IPv6 host): it points nowhere
        return None
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    for remote_host, remote_path in remotes:
        if host != remote_host or not path.lower().startswith(remote_path + "/"):
            continue
        view = _FORGE_VIEW.match(path[len(remote_path) + 1 :])
        if view is None:
            return None
        segments = view["rest"].split("/")
        candidates = tuple("/".join(segments[i:]) for i in range(1, len(segments)))
        return candidates or None
    return None


def exists_in_git_tree(root: Path, candidates: Sequence[str]) -> bool:
    top = git_top(root) or root
    return any(_on_disk(top / c) for c in candidates if c)


@file_rule(
    "PM010",
    "E",
    FAMILY,
    "Duplicate alert: same name and labels",
    fix="Rename one alert, give it a distinguishing label (e.g. its severity), or delete the copy.",
    docs="""
## What it does
Reports an alerting rule that repeats the name and the static labels (the group's plus its own) of
another alerting rule in the same file, in any group.

## Why it matters
Alerts are identified by their labels. Two rules producing `alertname="X"` with the same labels for
the same series overwrite each other in Alertmanager: one's annotations and `for` win at random, a
resolved notification from one closes the other's page, and edits to "the" alert change only one of
them. It is usually a copy-paste leftover.

## Example
```yaml
- alert: APIDown
  expr: up{job="api"} == 0
  labels: {severity: critical}
- alert: APIDown
  expr: absent(up{job="api"})
  labels: {severity: critical}
```

## Fix
Merge them (`up{job="api"} == 0 or absent(up{job="api"})`) or name them apart (`APIDown`,
`APIMissing`). Tiered alerts are fine: the same name with `severity: warning` and `severity: critical`.

## Equivalent rules
pint `rule/duplicate`; `promtool check rules` prints duplicates as a warning.
""",
)
def pm010(doc: PrometheusDoc, ctx: FileContext) -> Iterator[Problem]:
    seen: dict[tuple[str, frozenset[tuple[str, str]]], int] = {}
    for rule in doc.alerts:
        key = (rule.name, frozenset(rule.all_labels.items()))
        if key in seen:
            yield Problem(
                f"alert `{rule.name}` repeats the one at line {seen[key]} with the same labels", rule.line
            )
        else:
            seen[key] = rule.line


RULES: tuple[Rule[PrometheusDoc], ...] = (
    pm001,
    pm002,
    pm003,
    pm004,
    pm005,
    pm006,
    pm007,
    pm008,
    pm009,
    pm010,
)
