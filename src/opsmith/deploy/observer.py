"""Measuring one release behind HAProxy: the success rate and latency of its own server's series,
queried from Prometheus with the checks of analysis_queries, so `opsmith deploy` and the Argo
AnalysisTemplates opsmith generates judge a release by one definition.

Prometheus is the user's when one is configured, else opsmith's own, run as a daemon under
`<state_dir>/prometheus/` (prometheus.yml, data/, settings.json, prometheus.pid and .log),
listening on the loopback interface and scraping HAProxy's built-in exporter.

HAProxy keeps no latency histogram, so latency is judged by the server's average response time
(HAProxy's average over its last 1024 responses) against the SLO's p95 bound; every measurement
says so in its note.
"""

from __future__ import annotations

import json
import math
import re
import signal
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsmith.deploy import values
from opsmith.deploy.analysis_queries import (
    HAPROXY,
    WINDOW,
    Check,
    Comparison,
    Matcher,
    QueryResultError,
    Verdict,
    classify,
    slo_checks,
)
from opsmith.deploy.containers import LOOPBACK, free_port
from opsmith.deploy.processes import DaemonError, daemon_pid, ensure_daemon, signal_daemon, stop_daemon
from opsmith.design.model import Slo

DAEMON = "prometheus"
SCRAPE_INTERVAL = 5.0  # seconds; tests pass 1
START_TIMEOUT = 60.0
QUERY_TIMEOUT = 5.0
# A web service whose design has no SLO is still held to something: 99 % of its requests answered
# without a server error, each within two seconds on average.
DEFAULT_SLO = Slo(
    availability=99.0,
    latency_p95_ms=2000,
    reason="the design sets no SLO for this service: opsmith's default release bar",
    rule="deploy-default",
)
AVERAGE_NOTE = (
    "latency is HAProxy's average response time over the server's last 1024 responses, "
    "held to the p95 bound (HAProxy keeps no histogram)"
)

_DURATION = re.compile(r"[1-9][0-9]{0,5}(?:ms|s|m|h)")
_ADDRESS = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]{1,5}")


class ObserverError(RuntimeError):
    """opsmith's Prometheus could not be started."""


@dataclass(frozen=True)
class CheckResult:
    """One check of one measurement: the value Prometheus answered (None without data) and the
    verdict against the bound."""

    name: str
    verdict: Verdict
    value: float | None
    comparison: Comparison
    threshold: float
    unit: str

    def describe(self) -> str:
        shown = "no data" if self.value is None else f"{self.value:.4g}{self.unit}"
        return f"{self.name} {shown} (needs {self.comparison} {self.threshold:g}{self.unit}): {self.verdict}"


@dataclass(frozen=True)
class Measurement:
    """The verdict of one measurement of a release: fail when a check fails, inconclusive when
    one has no data (a release nobody called) or Prometheus could not answer (`error` then says
    why: the controller counts those against CONSECUTIVE_ERROR_LIMIT), pass otherwise."""

    verdict: Verdict
    checks: tuple[CheckResult, ...]
    note: str = ""
    error: str | None = None


class Observer:
    """Queries the user's Prometheus at `prometheus_url`, or runs opsmith's own scraping the
    HAProxy exporter at `balancer_exporter` ("127.0.0.1:PORT") every `scrape_interval` seconds."""

    def __init__(
        self,
        state_dir: Path,
        balancer_exporter: str,
        *,
        prometheus_url: str | None = None,
        scrape_interval: float = SCRAPE_INTERVAL,
        prometheus: str = "prometheus",
    ) -> None:
        self.exporter = values.checked(balancer_exporter, _ADDRESS, "exporter address")
        self.dir = state_dir / "prometheus"
        self.user_url = _http_url(prometheus_url) if prometheus_url is not None else None
        self.scrape_interval = max(0.1, scrape_interval)
        self.prometheus = prometheus

    @property
    def own(self) -> bool:
        """Whether opsmith runs this Prometheus (no user Prometheus is configured)."""
        return self.user_url is None

    @property
    def url(self) -> str:
        if self.user_url is not None:
            return self.user_url
        return f"http://{LOOPBACK}:{self._settings().get('port', 0)}"

    def ensure(self) -> None:
        """opsmith's Prometheus runs with the current scrape configuration (a changed one is
        reloaded in place, keeping its data); nothing to do with a user Prometheus."""
        if not self.own:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        settings = self._settings()
        port = settings.get("port") or free_port()
        wanted = {"port": port, "exporter": self.exporter, "interval": self.scrape_interval}
        config_path = self.dir / "prometheus.yml"
        if settings != wanted or not config_path.exists():
            _write(config_path, json.dumps(self._config(), indent=2) + "\n")  # JSON is YAML
            _write(self.dir / "settings.json", json.dumps(wanted) + "\n")
            if daemon_pid(DAEMON, self.dir) is not None:
                signal_daemon(DAEMON, self.dir, signal.SIGHUP)  # Prometheus rereads its config
        argv = [
            self.prometheus,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            "--storage.tsdb.retention.time=15d",
            "--log.level=warn",
        ]
        try:
            ensure_daemon(DAEMON, argv, self.dir, self._ready, START_TIMEOUT)
        except DaemonError as exc:
            raise ObserverError(str(exc)) from None

    def stop(self) -> None:
        """Stops opsmith's Prometheus (its data stays for the next start)."""
        if self.own:
            stop_daemon(DAEMON, self.dir)

    def measure(self, service: str, server: str, slo: Slo | None, window: str = WINDOW) -> Measurement:
        """One measurement of the release served by `server` behind `service` over the last
        `window` ("30s", "2m"), against `slo` (DEFAULT_SLO without one)."""
        matchers = [
            Matcher("proxy", values.checked(service, values.SERVICE_NAME, "service name")),
            Matcher("server", values.checked(server, values.SERVER_NAME, "server name")),
        ]
        window = values.checked(window, _DURATION, "window")
        checks = slo_checks(slo or DEFAULT_SLO, matchers, HAPROXY, window)
        note = AVERAGE_NOTE if slo is not None else f"{AVERAGE_NOTE}; {DEFAULT_SLO.reason}"
        results: list[CheckResult] = []
        for check in checks:
            try:
                results.append(self._check(check))
            except (QueryResultError, OSError, ValueError) as exc:
                unanswered = tuple(_result(c, "inconclusive", None) for c in checks)
                return Measurement("inconclusive", unanswered, note, error=str(exc)[:300])
        if results[0].value is None:
            # no request in the window: HAProxy's average response time of an idle server is 0,
            # which is no evidence of speed either
            results = [_result(c, "inconclusive", None) for c in checks]
            note = f"no request reached {server} in the last {window}; {note}"
        verdicts = {r.verdict for r in results}
        verdict: Verdict = (
            "fail" if "fail" in verdicts else "inconclusive" if "inconclusive" in verdicts else "pass"
        )
        return Measurement(verdict, tuple(results), note)

    def query(self, promql: str) -> Mapping[str, Any]:
        """Prometheus's answer to an instant query, as JSON (an error answer included)."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        request = urllib.request.Request(address, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT) as response:
                body = response.read(4_000_000)
        except urllib.error.HTTPError as exc:  # a bad query answers 400 with an error document
            body = exc.read(4_000_000)
        answer = json.loads(body)
        if not isinstance(answer, dict):
            raise QueryResultError("Prometheus answered something that is not a JSON object")
        return answer

    def _check(self, check: Check) -> CheckResult:
        answer = self.query(check.query)
        verdict = classify(check, answer)
        value = None
        if verdict != "inconclusive":
            samples = answer["data"]["result"]
            value = float(samples[1] if answer["data"]["resultType"] == "scalar" else samples[0]["value"][1])
        return _result(check, verdict, value)

    def _config(self) -> dict[str, Any]:
        interval = f"{round(self.scrape_interval * 1000)}ms"
        return {
            "global": {"scrape_interval": interval, "scrape_timeout": interval},
            "scrape_configs": [{"job_name": "haproxy", "static_configs": [{"targets": [self.exporter]}]}],
        }

    def _settings(self) -> dict[str, Any]:
        try:
            data = json.loads((self.dir / "settings.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False


def _result(check: Check, verdict: Verdict, value: float | None) -> CheckResult:
    if value is not None and math.isnan(value):
        value = None
    return CheckResult(check.name, verdict, value, check.comparison, check.threshold, check.unit)


def _http_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"not an http(s) URL for Prometheus: {url!r:.100}")
    return url.rstrip("/")


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".new")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
