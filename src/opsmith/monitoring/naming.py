"""Whether a name written in monitoring (a job, a host, a label value) stands for a service.

Hand-written monitoring rarely uses the service's bare name: `api-prod`, `shop_api`, `api.internal`.
A name stands for a service when the service's name, split into words, appears as consecutive
words of it (`api` in `api-prod`, not in `apigateway`). When several services fit one name, the
one with the longest match wins (`api-gateway` is the gateway's, not the api's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from opsmith.parse.alertmanager import make_matcher

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
# Labels whose value names the workload a series comes from, in exporters and service discovery.
SCOPE_LABELS = frozenset(
    {
        "job",
        "service",
        "service_name",
        "app",
        "application",
        "app_kubernetes_io_name",
        "app_kubernetes_io_instance",
        "kubernetes_name",
        "container",
        "deployment",
        "workload",
        "exported_job",
        "exported_service",
        "backend",
        "proxy",
        "name",
        "pod",
        "namespace",
        "cronjob",  # kube-state-metrics' CronJob series
        "job_name",  # ... and its Job series, named <cronjob>-<schedule time>
    }
)
_POD_SUFFIX = "-7c9d8f6b5-x2x7q"  # what a Deployment's pod name adds to the workload's name
_JOB_SUFFIX = "-29012345"  # what a CronJob's Job name adds: the minute it was scheduled


def words(name: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD_SPLIT.split(name.lower()) if w)


def match_length(alias: str, name: str) -> int:
    """How many words of `alias` appear in a row in `name` (0: it does not stand for it)."""
    want, have = words(alias), words(name)
    if not want or len(want) > len(have):
        return 0
    for start in range(len(have) - len(want) + 1):
        if have[start : start + len(want)] == want:
            return len(want)
    return 0


def owners(name: str, aliases: Mapping[str, Sequence[str]]) -> set[str]:
    """The services (keys of `aliases`) a name stands for: those with the longest match."""
    best, found = 0, set()
    for service, names in aliases.items():
        length = max((match_length(a, name) for a in names), default=0)
        if length > best:
            best, found = length, {service}
        elif length and length == best:
            found.add(service)
    return found


def regex_matches(pattern: str, candidates: Iterable[str]) -> bool:
    """Whether a PromQL/relabel regex (anchored, RE2) matches one of the candidates, or one of
    them as a pod or a CronJob's Job name; a regex that cannot be judged safely here matches nothing."""
    matcher, _ = make_matcher("x", "=~", pattern)
    if matcher is None:
        return False
    for candidate in candidates:
        for value in (candidate, candidate + _POD_SUFFIX, candidate + _JOB_SUFFIX):
            if matcher.evaluate({"x": value}):
                return True
    return False
