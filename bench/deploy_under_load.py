"""`opsmith deploy` under a steady load, per strategy, on loopback with podman, HAProxy and
Prometheus (the deploy tests' set-up: tests/deploy/).

    python bench/deploy_under_load.py [--rate 300] [STRATEGY ...]

For each strategy: a stable release is deployed, then, under `--rate` requests a second:
- a good release: requests sent during the deploy, failed ones, and the time to promote;
- a release answering 5xx (canary and blue-green, which analyse; rolling only health-checks):
  failed requests, and the time from the first bad response to the last one, after which every
  request is answered by the stable release again.
Timings are the test settings' (1 s measurements, 2 of them, 10 s windows, 1 s scrapes), not the
production defaults (a minute between measurements). It asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from deploy.conftest import TEST_APP_IMAGE
from deploy.load import Load
from deploy.scenario import Repo, new_repo, short_folder

STRATEGIES = ("rolling", "blue-green", "canary")


def run(repo: Repo, strategy: str, rate: float, env: dict[str, str]) -> tuple[int, Load, float]:
    with Load("127.0.0.1", repo.port, rate=rate, limit=600) as load:
        time.sleep(1)
        started = time.monotonic()
        done = repo.opsmith(*repo.deploy_args("--strategy", strategy), env=env, timeout=600)
        took = time.monotonic() - started
        time.sleep(1)
    return done.code, load, took


def bench(strategy: str, rate: float) -> list[str]:
    with short_folder() as folder:
        repo = new_repo(folder / "repo")
        try:
            first = repo.opsmith(*repo.deploy_args("--strategy", "rolling"))
            if first.code != 0:
                raise SystemExit(f"the stable release did not deploy: {first.out}{first.stderr}")
            code, load, took = run(repo, strategy, rate, {"VERSION": "2"})
            good = f"{len(load.answers):>8} {len(load.failures):>8} {took:>9.1f}s" + (
                "" if code == 0 else f" exit {code}"
            )
            if strategy == "rolling":
                return [strategy, good, "       -        -          - (no analysis: health checks only)"]
            code, load, took = run(repo, strategy, rate, {"VERSION": "3", "MODE": "error"})
            bad = load.failures
            back = bad[-1].at - bad[0].at if bad else 0.0
            return [strategy, good, f"{len(load.answers):>8} {len(bad):>8} {back:>9.1f}s exit {code}"]
        finally:
            repo.clean()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("strategies", nargs="*", metavar="STRATEGY", help=f"of {', '.join(STRATEGIES)}")
    parser.add_argument("--rate", type=float, default=300.0, help="requests a second (default 300)")
    args = parser.parse_args()
    unknown = sorted(set(args.strategies) - set(STRATEGIES))
    if unknown:
        parser.error(f"no strategy named {', '.join(unknown)}")
    print(f"image {TEST_APP_IMAGE}, {args.rate:g} requests/s")
    print(f"{'strategy':<11} {'good release':^30} | {'release answering 5xx':^30}")
    columns = f"{'requests':>8} {'failed':>8} {{:>10}}"
    print(f"{'':<11} {columns.format('promoted')} | {columns.format('5xx->stable')}")
    for strategy in args.strategies or STRATEGIES:
        name, good, bad = bench(strategy, args.rate)
        print(f"{name:<11} {good} | {bad}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
