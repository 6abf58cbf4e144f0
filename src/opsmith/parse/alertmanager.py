"""Alertmanager configurations, recognised by content (`route` plus `receivers`).

Read the way `amtool check-config` (Alertmanager's config.Load) reads them: unknown fields, receivers
without a unique name, routes to undefined receivers, malformed matchers (`matchers`, and the
deprecated `match`/`match_re`), invalid durations and integrations missing what they need. Each problem
is an `Issue` with its line (PM011 reports them); the routing tree is kept as typed `Route`s whose
matchers can be evaluated against a label set, for simulating where an alert goes.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from opsmith.audit.source import SourceFile
from opsmith.parse.errors import ParseFailure
from opsmith.parse.prometheus import Issue, duration_issue, parse_duration
from opsmith.parse.yaml_tree import YMap, YSeq

MatchOp = Literal["=", "!=", "=~", "!~"]

_TOP_KEYS = frozenset(
    {
        "global",
        "route",
        "inhibit_rules",
        "receivers",
        "templates",
        "mute_time_intervals",
        "time_intervals",
        "tracing",
    }
)
_GLOBAL_KEYS = frozenset(
    {
        "resolve_timeout",
        "http_config",
        "smtp_from",
        "smtp_hello",
        "smtp_smarthost",
        "smtp_auth_username",
        "smtp_auth_password",
        "smtp_auth_password_file",
        "smtp_auth_secret",
        "smtp_auth_secret_file",
        "smtp_auth_identity",
        "smtp_require_tls",
        "smtp_tls_config",
        "slack_api_url",
        "slack_api_url_file",
        "slack_app_token",
        "slack_app_token_file",
        "slack_app_url",
        "victorops_api_key",
        "victorops_api_key_file",
        "victorops_api_url",
        "pagerduty_url",
        "opsgenie_api_key",
        "opsgenie_api_key_file",
        "opsgenie_api_url",
        "wechat_api_url",
        "wechat_api_secret",
        "wechat_api_secret_file",
        "wechat_api_corp_id",
        "telegram_api_url",
        "telegram_bot_token",
        "telegram_bot_token_file",
        "webex_api_url",
        "jira_api_url",
        "rocketchat_api_url",
        "rocketchat_token",
        "rocketchat_token_file",
        "rocketchat_token_id",
        "rocketchat_token_id_file",
        "mattermost_webhook_url",
    }
)
_ROUTE_KEYS = frozenset(
    {
        "receiver",
        "group_by",
        "continue",
        "match",
        "match_re",
        "matchers",
        "group_wait",
        "group_interval",
        "repeat_interval",
        "mute_time_intervals",
        "active_time_intervals",
        "routes",
    }
)
_INHIBIT_KEYS = frozenset(
    {
        "source_match",
        "source_match_re",
        "source_matchers",
        "target_match",
        "target_match_re",
        "target_matchers",
        "equal",
    }
)
INTEGRATIONS = frozenset(
    {
        "email_configs",
        "pagerduty_configs",
        "slack_configs",
        "webhook_configs",
        "opsgenie_configs",
        "wechat_configs",
        "pushover_configs",
        "victorops_configs",
        "sns_configs",
        "telegram_configs",
        "webex_configs",
        "discord_configs",
        "msteams_configs",
        "msteamsv2_configs",
        "jira_configs",
        "rocketchat_configs",
        "incidentio_configs",
        "mattermost_configs",
    }
)
# What an integration cannot work without: (keys of which one must be set, global fallbacks, message)
_REQUIRED: Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]] = {
    "webhook_configs": ((("url", "url_file"), (), "webhook needs `url` or `url_file`"),),
    "pagerduty_configs": (
        (
            ("routing_key", "routing_key_file", "service_key", "service_key_file"),
            (),
            "PagerDuty needs `routing_key` (Events API v2) or `service_key`",
        ),
    ),
    "opsgenie_configs": (
        (
            ("api_key", "api_key_file"),
            ("opsgenie_api_key", "opsgenie_api_key_file"),
            "Opsgenie needs `api_key` here or `opsgenie_api_key` in `global`",
        ),
    ),
    "slack_configs": (
        (
            ("api_url", "api_url_file"),
            ("slack_api_url", "slack_api_url_file"),
            "Slack needs `api_url` here or `slack_api_url` in `global`",
        ),
    ),
    "victorops_configs": (
        (("routing_key",), (), "VictorOps needs a `routing_key`"),
        (
            ("api_key", "api_key_file"),
            ("victorops_api_key", "victorops_api_key_file"),
            "VictorOps needs `api_key` here or `victorops_api_key` in `global`",
        ),
    ),
    "email_configs": (
        (("to",), (), "email needs a `to` address"),
        (("smarthost",), ("smtp_smarthost",), "email needs `smarthost` here or `smtp_smarthost` in `global`"),
        (("from",), ("smtp_from",), "email needs `from` here or `smtp_from` in `global`"),
    ),
    "pushover_configs": (
        (("user_key", "user_key_file"), (), "Pushover needs a `user_key`"),
        (("token", "token_file"), (), "Pushover needs a `token`"),
    ),
}
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.DOTALL)
# Regex features Go's RE2 refuses although Python accepts them.
_NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\\[1-9]")
_RE2_ONLY = re.compile(r"\\[pPzCQE]")  # RE2 syntax Python's `re` lacks: do not judge these
# Alertmanager matches with RE2, in linear time; Python's `re` backtracks. A matcher is judged here
# only where backtracking stays small: a short label value, and a regex whose repeats do not nest
# or repeat an alternation, with few unbounded ones (`(a+)+b` is exponential, `.*a.*a.*a` a power).
_MAX_JUDGED_VALUE = 256
_MAX_UNBOUNDED_REPEATS = 2


@dataclass(frozen=True)
class Matcher:
    name: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None = None  # compiled, anchored, for regex ops (None if unjudgeable)

    def evaluate(self, labels: Mapping[str, str]) -> bool | None:
        """Whether an alert with these labels matches; None when the label is not known (it may
        carry any value at run time) or the regex cannot be evaluated here."""
        if self.name not in labels:
            return None
        value = labels[self.name]
        if self.op in ("=", "!="):
            hit = value == self.value
        elif self.pattern is None or len(value) > _MAX_JUDGED_VALUE:
            return None
        else:
            hit = self.pattern.fullmatch(value) is not None
        return hit if self.op in ("=", "=~") else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


@dataclass
class Route:
    line: int
    receiver: str | None
    receiver_line: int
    matchers: list[Matcher] = field(default_factory=list)
    continue_: bool = False
    routes: list[Route] = field(default_factory=list)

    def evaluate(self, labels: Mapping[str, str]) -> bool | None:
        """True when every matcher matches, False when one surely does not, else None."""
        result: bool | None = True
        for matcher in self.matchers:
            hit = matcher.evaluate(labels)
            if hit is False:
                return False
            if hit is None:
                result = None
        return result

    def walk(self) -> Iterator[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()


@dataclass(frozen=True)
class Receiver:
    name: str
    line: int
    integrations: tuple[str, ...]  # the `*_configs` keys it sets, non-empty ones
    webhook_urls: tuple[str, ...] = ()


@dataclass
class AlertmanagerDoc:
    line: int
    route: Route | None
    receivers: dict[str, Receiver] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def parse(source: SourceFile) -> AlertmanagerDoc | ParseFailure | None:
    if "route" not in source.text or "receivers" not in source.text:
        return None
    documents = source.yaml
    if isinstance(documents, ParseFailure):
        text = source.text
        if re.search(r"^route\s*:", text, re.M) and re.search(r"^receivers\s*:", text, re.M):
            return documents
        return None
    for item in documents:
        if isinstance(item, YMap) and "kind" not in item and "route" in item and "receivers" in item:
            return _read(item)
    return None


def _read(top: YMap) -> AlertmanagerDoc:
    doc = AlertmanagerDoc(top.line, None)
    issues = doc.issues
    _unknown_keys(top, _TOP_KEYS, "top-level", issues)
    glob = top.get("global")
    glob = glob if isinstance(glob, YMap) else YMap(top.line, 1)
    _unknown_keys(glob, _GLOBAL_KEYS, "global", issues)
    _duration(glob, "resolve_timeout", issues)
    _read_receivers(top, glob, doc)
    intervals = _time_interval_names(top, doc.issues)
    raw_route = top.get("route")
    if not isinstance(raw_route, YMap):
        doc.issues.append(
            Issue("`route` must be a mapping with a default `receiver`", top.value_line("route"))
        )
    else:
        doc.route = _read_route(raw_route, doc, intervals, root=True)
    inhibits = top.get("inhibit_rules")
    if inhibits is not None and not isinstance(inhibits, YSeq):
        doc.issues.append(Issue("`inhibit_rules` must be a list", top.value_line("inhibit_rules")))
    for rule in inhibits if isinstance(inhibits, YSeq) else ():
        if isinstance(rule, YMap):
            _unknown_keys(rule, _INHIBIT_KEYS, "inhibit rule", doc.issues)
            for side in ("source", "target"):
                _matchers_of(rule, doc.issues, prefix=f"{side}_")
            _label_list(rule, "equal", doc.issues)
    templates = top.get("templates")
    if templates is not None and not (
        isinstance(templates, YSeq) and all(isinstance(t, str) for t in templates)
    ):
        doc.issues.append(Issue("`templates` must be a list of file globs", top.value_line("templates")))
    return doc


def _unknown_keys(node: YMap, allowed: frozenset[str], where: str, issues: list[Issue]) -> None:
    for key in node:
        if key not in allowed:
            issues.append(Issue(f"unknown {where} field `{key}`", node.key_line(key)))


def _duration(node: YMap, key: str, issues: list[Issue], *, nonzero: bool = False) -> None:
    if key not in node:
        return
    value = parse_duration(node[key])
    if value is None:
        issues.append(Issue(duration_issue(key, node[key], "5m, 4h"), node.value_line(key)))
    elif nonzero and not value:
        issues.append(Issue(f"`{key}` cannot be zero", node.value_line(key)))


def _read_receivers(top: YMap, glob: YMap, doc: AlertmanagerDoc) -> None:
    raw = top.get("receivers")
    if not isinstance(raw, YSeq):
        doc.issues.append(Issue("`receivers` must be a list", top.value_line("receivers")))
        return
    for index, item in enumerate(raw):
        line = raw.item_line(index)
        if not isinstance(item, YMap):
            doc.issues.append(Issue("a receiver must be a mapping with a `name`", line))
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            doc.issues.append(Issue("receiver has no `name`", line))
            continue
        used, urls = _integrations(item, glob, doc.issues)
        if name in doc.receivers:
            first = doc.receivers[name].line
            doc.issues.append(
                Issue(f"receiver name `{name}` is not unique (first at line {first})", item.key_line("name"))
            )
            continue
        doc.receivers[name] = Receiver(name, item.key_line("name"), used, urls)


def _integrations(item: YMap, glob: YMap, issues: list[Issue]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    used: list[str] = []
    urls: list[str] = []
    for key, value in item.items():
        if key == "name":
            continue
        if key not in INTEGRATIONS:
            issues.append(Issue(f"unknown receiver field `{key}`", item.key_line(key)))
            continue
        if value is None:
            continue
        if not isinstance(value, YSeq) or not all(isinstance(c, YMap) for c in value):
            issues.append(Issue(f"`{key}` must be a list of mappings", item.value_line(key)))
            continue
        if value:
            used.append(key)
        for config in value:
            for keys, fallbacks, message in _REQUIRED.get(key, ()):
                if not any(config.get(k) for k in keys) and not any(glob.get(k) for k in fallbacks):
                    issues.append(Issue(message, config.line))
            if key == "webhook_configs" and isinstance(config.get("url"), str):
                urls.append(config["url"])
    return tuple(used), tuple(urls)


def _time_interval_names(top: YMap, issues: list[Issue]) -> set[str]:
    names: set[str] = set()
    for key in ("time_intervals", "mute_time_intervals"):
        raw = top.get(key)
        if not isinstance(raw, YSeq):
            continue
        for index, item in enumerate(raw):
            name = item.get("name") if isinstance(item, YMap) else None
            if not isinstance(name, str) or not name:
                issues.append(Issue(f"an entry of `{key}` has no `name`", raw.item_line(index)))
            elif name in names:
                issues.append(Issue(f"time interval `{name}` is defined twice", raw.item_line(index)))
            else:
                names.add(name)
    return names


def _read_route(raw: YMap, doc: AlertmanagerDoc, intervals: set[str], *, root: bool) -> Route:
    issues = doc.issues
    _unknown_keys(raw, _ROUTE_KEYS, "route", issues)
    receiver = raw.get("receiver")
    if receiver is not None and not isinstance(receiver, str):
        issues.append(Issue("`receiver` must be a receiver name", raw.value_line("receiver")))
        receiver = None
    if isinstance(receiver, str) and receiver not in doc.receivers:
        issues.append(
            Issue(
                f"route uses receiver `{receiver}`, which is not defined in `receivers`",
                raw.value_line("receiver"),
            )
        )
    matchers = _matchers_of(raw, issues, prefix="")
    if root:
        if not receiver:
            issues.append(Issue("the root route must name a default `receiver`", raw.line))
        if matchers or any(k in raw for k in ("match", "match_re", "matchers")):
            issues.append(Issue("the root route cannot have matchers: every alert enters it", raw.line))
        for key in ("mute_time_intervals", "active_time_intervals"):
            if key in raw:
                issues.append(Issue(f"the root route cannot have `{key}`", raw.key_line(key)))
    for key in ("group_wait", "group_interval", "repeat_interval"):
        _duration(raw, key, issues, nonzero=key != "group_wait")
    _group_by(raw, issues)
    carry_on = _yaml11_bool(raw.get("continue", False))
    if carry_on is None:
        issues.append(Issue("`continue` must be true or false", raw.value_line("continue")))
    elif carry_on and root:
        issues.append(Issue("the root route cannot have `continue`", raw.key_line("continue")))
    for key in ("mute_time_intervals", "active_time_intervals"):
        names = raw.get(key)
        for name in names if isinstance(names, YSeq) else ():
            if name not in intervals:
                issues.append(
                    Issue(f"route uses time interval `{name}`, which is not defined", raw.value_line(key))
                )
    route = Route(
        raw.line,
        receiver,
        raw.key_line("receiver") if "receiver" in raw else raw.line,
        matchers,
        carry_on is True,
    )
    children = raw.get("routes")
    if children is not None and not isinstance(children, YSeq):
        issues.append(Issue("`routes` must be a list of routes", raw.value_line("routes")))
    for index, child in enumerate(children if isinstance(children, YSeq) else ()):
        if isinstance(child, YMap):
            route.routes.append(_read_route(child, doc, intervals, root=False))
        else:
            issues.append(Issue("a route must be a mapping", _item_line(children, index)))
    return route


def _item_line(seq: object, index: int) -> int:
    return seq.item_line(index) if isinstance(seq, YSeq) else 1


def _yaml11_bool(value: object) -> bool | None:
    """A boolean as Alertmanager's YAML 1.1 reader takes it (`yes`/`on` are true)."""
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("yes", "y", "on", "true"):
        return True
    if text in ("no", "n", "off", "false"):
        return False
    return None


def _group_by(raw: YMap, issues: list[Issue]) -> None:
    names = _label_list(raw, "group_by", issues, special="...")
    if "..." in names and len(names) > 1:
        issues.append(
            Issue("`group_by: ['...']` cannot be combined with label names", raw.value_line("group_by"))
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            issues.append(Issue(f"`{name}` is repeated in group_by", raw.value_line("group_by")))
        seen.add(name)


def _label_list(raw: YMap, key: str, issues: list[Issue], special: str | None = None) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, YSeq):
        issues.append(Issue(f"`{key}` must be a list of label names", raw.value_line(key)))
        return []
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not (item == special or _LABEL_NAME.match(item)):
            issues.append(Issue(f"`{item}` in `{key}` is not a label name", raw.value_line(key)))
        else:
            out.append(item)
    return out


def _matchers_of(raw: YMap, issues: list[Issue], *, prefix: str) -> list[Matcher]:
    out: list[Matcher] = []
    pairs: tuple[tuple[str, MatchOp], ...] = (("match", "="), ("match_re", "=~"))
    for suffix, op in pairs:
        key = f"{prefix}{suffix}"
        table = raw.get(key)
        if table is None:
            continue
        if not isinstance(table, YMap):
            issues.append(Issue(f"`{key}` must be a map of label names to values", raw.value_line(key)))
            continue
        for name, value in table.items():
            line = table.key_line(name)
            if not isinstance(name, str) or not _LABEL_NAME.match(name):
                issues.append(Issue(f"`{name}` is not a valid label name", line))
            elif isinstance(value, (YMap, YSeq)):
                issues.append(Issue(f"`{key}.{name}` must be a string", line))
            else:
                matcher, problem = make_matcher(name, op, "" if value is None else str(value))
                if problem:
                    issues.append(Issue(problem, line))
                elif matcher is not None:
                    out.append(matcher)
    key = f"{prefix}matchers"
    items = raw.get(key)
    if items is None:
        return out
    if not isinstance(items, YSeq):
        issues.append(Issue(f"`{key}` must be a list of matcher strings", raw.value_line(key)))
        return out
    for index, item in enumerate(items):
        parsed, problem = parse_matchers(item if isinstance(item, str) else "")
        if problem or not isinstance(item, str):
            issues.append(Issue(problem or "a matcher must be a string", items.item_line(index)))
        out.extend(parsed)
    return out


def parse_matchers(text: str) -> tuple[list[Matcher], str | None]:
    """One entry of `matchers:` as Alertmanager's matcher parser reads it: one or more comma-separated
    `name op value` (value optionally double-quoted), optionally wrapped in braces."""
    body = text.strip()
    body = body.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    quoted = escaped = False
    for char in body:
        if char == "," and not quoted:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"':
            if escaped:
                escaped = False
            else:
                quoted = not quoted
        elif char == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(char)
    if "".join(token).strip():
        tokens.append("".join(token))
    if not tokens:
        return [], f"empty matcher `{text}`"
    out: list[Matcher] = []
    for raw in tokens:
        found = _MATCHER.match(raw)
        if found is None:
            return out, f"bad matcher `{raw.strip()}`: expected `label=value` (or !=, =~, !~)"
        value, problem = _unquote(found.group(3))
        if problem:
            return out, f"{problem} in matcher `{raw.strip()}`"
        op: MatchOp = found.group(2)  # type: ignore[assignment]
        matcher, problem = make_matcher(found.group(1), op, value)
        if problem:
            return out, problem
        if matcher is not None:
            out.append(matcher)
    return out, None


def _unquote(raw: str) -> tuple[str, str | None]:
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    out: list[str] = []
    escaped = False
    for index, char in enumerate(body):
        if escaped:
            escaped = False
            out.append({"n": "\n", '"': '"', "\\": "\\"}.get(char, "\\" + char))
        elif char == "\\" and index < len(body) - 1:
            escaped = True
        elif char == '"':
            if not quoted or index < len(body) - 1:
                return "", "unescaped double quote"
            quoted = False
        else:
            out.append(char)
    if quoted:
        return "", "unclosed double quote"
    return "".join(out), None


def make_matcher(name: str, op: MatchOp, value: str) -> tuple[Matcher | None, str | None]:
    if op in ("=", "!="):
        return Matcher(name, op, value), None
    if _RE2_ONLY.search(value):
        return Matcher(name, op, value, None), None
    if _NOT_RE2.search(value):
        return None, f"regex `{value}` uses lookaround or backreferences, which Alertmanager (RE2) lacks"
    try:
        with warnings.catch_warnings():  # Python's notes on a user's regex (nested sets) are not ours
            warnings.simplefilter("ignore", FutureWarning)
            pattern = re.compile(f"(?:{value})")
    except re.error as exc:
        return None, f"invalid regex `{value}`: {exc}"
    return Matcher(name, op, value, pattern if _backtracks_little(value) else None), None


def _backtracks_little(regex: str) -> bool:
    """Whether `re` matches this (valid) regex against a short value in little time: no repeated
    group that holds a repeat or an alternation, and at most a few unbounded repeats."""
    groups: list[bool] = []  # per open group: holds a repeat or `|`
    risky_group = unbounded = 0
    index, in_class = 0, False
    while index < len(regex):
        char = regex[index]
        index += 1
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += regex[index : index + 1] == "]"  # a leading `]` is a member
        elif char == "(":
            groups.append(False)
        elif char == "|" and groups:
            groups[-1] = True
        elif char == ")" and groups:
            closed = groups.pop()
            risky_group += closed and regex[index : index + 1] in ("*", "+", "{")
            if groups:
                groups[-1] = groups[-1] or closed
        elif char in "*+" or (char == "{" and re.match(r"\d*,\}", regex[index:])):
            unbounded += 1
            if groups:
                groups[-1] = True
    return not risky_group and unbounded <= _MAX_UNBOUNDED_REPEATS
