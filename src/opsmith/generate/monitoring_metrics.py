"""The request metrics a web service's alerts read, and synthetic series of a healthy and a broken
service for the promtool tests.

The names are the conventional ones the release checks read too (deploy/analysis_queries.APP): a
counter `http_requests_total` with the HTTP status in `status`, and a histogram
`http_request_duration_seconds`, labelled `service` with the service's name by the scrape job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsmith.deploy.analysis_queries import APP
from opsmith.design.model import Service, Slo
from opsmith.generate.monitoring_alerts import Series, number

REQUESTS = APP.requests
BUCKETS = APP.duration
COUNT = BUCKETS.removesuffix("_bucket") + "_count"
ERRORS = APP.errors.render()
TEST_MINUTES = 90  # length of the SLO and RED test series, one sample a minute


@dataclass(frozen=True)
class Metrics:
    """The selectors of one service's request metrics."""

    service: str
    bound: float  # the SLO's latency bound in seconds

    @property
    def selector(self) -> str:
        """Its series: the `service` label the scrape job (or the ServiceMonitor) puts on them."""
        return f'service="{self.service}"'

    def requests(self, window: str, *, errors: bool = False, offset: str = "") -> str:
        selector = f"{self.selector}, {ERRORS}" if errors else self.selector
        shift = f" offset {offset}" if offset else ""
        return f"sum(rate({REQUESTS}{{{selector}}}[{window}]{shift}))"

    def fast_requests(self, window: str) -> str:
        """Requests answered within the SLO's bound: the histogram bucket at the bound, whose `le`
        client libraries write as `1` or `1.0`."""
        return f'sum(rate({BUCKETS}{{{self.selector}, le=~"{_le_pattern(self.bound)}"}}[{window}]))'

    def all_timed(self, window: str) -> str:
        return f"sum(rate({COUNT}{{{self.selector}}}[{window}]))"

    def quantile(self, q: float, window: str) -> str:
        return f"histogram_quantile({q}, sum by (le) (rate({BUCKETS}{{{self.selector}}}[{window}])))"

    # ------------------------------------------------------------------ test series

    def traffic(
        self, error_share: float, slow_share: float, minutes: int = TEST_MINUTES
    ) -> tuple[Series, ...]:
        """Ten requests a minute, `error_share` of them 500s and `slow_share` of them slower than
        four times the bound."""
        errors = round(10 * error_share)
        slow = round(10 * slow_share)
        bound, far = number(self.bound), number(4 * self.bound)
        return (
            Series(f'{REQUESTS}{{{self.selector}, status="200"}}', f"0+{10 - errors}x{minutes}"),
            Series(f'{REQUESTS}{{{self.selector}, status="500"}}', f"0+{errors}x{minutes}"),
            Series(f'{BUCKETS}{{{self.selector}, le="{bound}"}}', f"0+{10 - slow}x{minutes}"),
            Series(f'{BUCKETS}{{{self.selector}, le="{far}"}}', f"0+{10 - slow}x{minutes}"),
            Series(f'{BUCKETS}{{{self.selector}, le="+Inf"}}', f"0+10x{minutes}"),
            Series(f"{COUNT}{{{self.selector}}}", f"0+10x{minutes}"),
        )


def metrics_of(service: Service, slo: Slo) -> Metrics:
    return Metrics(service.name, slo.latency_p95_ms / 1000)


def _le_pattern(seconds: float) -> str:
    """A regex (escaped for a PromQL string) matching how libraries write this bucket bound."""
    text = number(seconds)
    forms = [text] if "." in text or "e" in text else [text, f"{text}.0"]
    return "|".join(re.escape(f).replace("\\", "\\\\") for f in forms)
