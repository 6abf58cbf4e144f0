"""Fuzz every audit family at length: the generators of tests/audit/test_fuzz.py, many more inputs.

    python bench/fuzz.py [--per-family 10000] [--seed 0] [--family NAME ...] [--out DIR]

Each family runs in a worker process (a hang or a dying interpreter is recorded, and a new worker
takes over). Prints, per family: inputs run, crashes (one minimised reproducer per distinct crash
saved under --out, never in the repository), inputs over their time budget (0.5 s plus 2 s per MB
of CPU time, kustomize's included), the slowest input against its size, and the worker's peak RSS
(limit 256 MiB). Exits 1 on any crash, overrun or excess memory. Input I of family F under seed S
is `fuzz_input(BY_NAME[F], Random(f"{S}:{F}:{I}"))`, so every report can be replayed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_inputs import BY_NAME, TARGETS, FuzzTarget, fuzz_input
from fuzz_run import MB, Outcome, minimise, prepare, run_input

RSS_LIMIT = 256 * MB
_WARM_UP = 10
TIME_LIMIT = 10.0  # CPU seconds, a hang: four times the budget of the largest file audited (1 MiB)
_ANSWER_WITHIN = 6 * TIME_LIMIT  # wall seconds: CPU time runs slower than the clock on a busy machine


def _input(target: FuzzTarget, seed: int, index: int) -> bytes:
    return fuzz_input(target, Random(f"{seed}:{target.name}:{index}"))


def _serve(conn: Connection, target: FuzzTarget, seed: int, root: Path) -> None:
    """Worker: run what the parent sends (an input's index, or bytes) and answer with the outcome
    and this process's peak RSS."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    prepare(target, root)
    for index in range(_WARM_UP):  # imports (jsonschema, pglast...) are paid once, not per file
        run_input(target, fuzz_input(target, Random(f"warm-up:{index}")), root, TIME_LIMIT)
    conn.send("ready")
    while (request := conn.recv()) is not None:
        data = request if isinstance(request, bytes) else _input(target, seed, request)
        outcome = run_input(target, data, root, TIME_LIMIT)
        conn.send((outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


class _Worker:
    def __init__(self, target: FuzzTarget, seed: int, root: Path) -> None:
        self.target = target
        self._args = (target, seed, root)
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, *self._args), daemon=True)
        self._process.start()
        child.close()
        self._conn.recv()  # warmed up: from here on, every answer is timed

    def run(self, request: int | bytes) -> tuple[Outcome, int]:
        """The outcome of one input; a worker that dies or stops answering is replaced."""
        size = len(request) if isinstance(request, bytes) else 0
        self._conn.send(request)
        try:
            if self._conn.poll(_ANSWER_WITHIN):
                answer: tuple[Outcome, int] = self._conn.recv()
                return answer
            crash, detail = "hang", f"no answer within {_ANSWER_WITHIN:g} s: stuck outside Python"
        except EOFError:
            crash, detail = "worker died", f"exit code {self._process.exitcode}"
        self.stop()
        self._start()
        return Outcome(crash, detail, TIME_LIMIT, size), 0

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()


@dataclass
class _Tally:
    inputs: int = 0
    crashes: Counter[str] = field(default_factory=Counter)
    saved: dict[str, Path] = field(default_factory=dict)
    overruns: list[tuple[int, Outcome]] = field(default_factory=list)
    slowest: Outcome | None = None
    peak_rss: int = 0
    interrupted: bool = False


def fuzz_family(target: FuzzTarget, count: int, seed: int, out: Path, stop_after: int) -> _Tally:
    tally = _Tally()
    root = Path(tempfile.mkdtemp(prefix=f"opsmith-fuzz-{target.name}-"))
    worker = _Worker(target, seed, root)
    started = time.monotonic()
    try:
        for index in range(count):
            outcome, rss = worker.run(index)
            if outcome.size == 0:  # the worker stopped answering: only its index was sent
                outcome = replace(outcome, size=len(_input(target, seed, index)))
            tally.inputs += 1
            if rss > RSS_LIMIT >= tally.peak_rss:  # the input that first took memory over the limit
                _save(out, f"{target.name}-memory-{index}", target, _input(target, seed, index), outcome)
            tally.peak_rss = max(tally.peak_rss, rss)
            if outcome.crash is not None:
                _record_crash(tally, worker, _input(target, seed, index), outcome, out)
            elif outcome.seconds > outcome.budget:
                tally.overruns.append((index, outcome))
                _save(out, f"{target.name}-overrun-{index}", target, _input(target, seed, index), outcome)
            if tally.slowest is None or outcome.seconds / outcome.budget > (
                tally.slowest.seconds / tally.slowest.budget
            ):
                tally.slowest = outcome
            if stop_after and sum(tally.crashes.values()) + len(tally.overruns) >= stop_after:
                break
            if (index + 1) % 1000 == 0:
                rate = (index + 1) / (time.monotonic() - started)
                print(f"  {target.name}: {index + 1} inputs, {rate:.0f}/s", file=sys.stderr, flush=True)
    except KeyboardInterrupt:  # Ctrl-C: report what ran so far, then stop
        tally.interrupted = True
    finally:
        worker.stop()
        shutil.rmtree(root, ignore_errors=True)
    return tally


def _record_crash(tally: _Tally, worker: _Worker, data: bytes, outcome: Outcome, out: Path) -> None:
    target = worker.target
    signature = outcome.crash or ""
    tally.crashes[signature] += 1
    if signature in tally.saved:
        return
    if signature not in ("hang", "worker died"):  # each try of those costs the time limit
        data = minimise(data, lambda candidate: worker.run(candidate)[0].crash == signature)
    tally.saved[signature] = _save(out, f"{target.name}-crash-{len(tally.saved) + 1}", target, data, outcome)


def _save(out: Path, stem: str, target: FuzzTarget, data: bytes, outcome: Outcome) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}-{Path(target.path).name}"
    path.write_bytes(data)
    note = (
        f"{target.name}: {outcome.crash or 'over budget'}; {outcome.seconds:.2f} s CPU for {len(data)} bytes"
    )
    path.with_name(path.name + ".txt").write_text(f"{note}\nfile: {target.path}\n\n{outcome.detail}\n")
    return path


def _report(target: FuzzTarget, tally: _Tally) -> bool:
    slow = tally.slowest
    slowest = "no input"
    if slow is not None:
        per_mb = slow.seconds / max(slow.size / MB, 1e-9)
        slowest = (
            f"slowest {slow.seconds:.3f} s for {slow.size:,} B ({per_mb:.1f} s/MB, "
            f"{slow.seconds / slow.budget:.0%} of budget)"
        )
    over_rss = tally.peak_rss > RSS_LIMIT
    print(
        f"{target.name:18} {tally.inputs:6} inputs{' (interrupted)' if tally.interrupted else ''}  "
        f"{sum(tally.crashes.values()):4} crashes  "
        f"{len(tally.overruns):4} overruns  {slowest}  peak RSS {tally.peak_rss / MB:.0f} MiB"
        + ("  OVER 256 MiB" if over_rss else "")
    )
    for signature, count in tally.crashes.most_common():
        print(f"    {count:5} x {signature}: {tally.saved[signature]}")
    for index, outcome in tally.overruns[:5]:
        took = f"{outcome.seconds:.2f} s for {outcome.size:,} B"
        print(f"    input {index}: {took} (budget {outcome.budget:.2f} s)")
    return not tally.crashes and not tally.overruns and not over_rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-family", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", action="append", choices=sorted(BY_NAME), help="repeatable; default all")
    parser.add_argument("--stop-after", type=int, default=0, help="failing inputs that end a family")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "opsmith-fuzz")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent
    if args.out.resolve().is_relative_to(repo):
        parser.error("--out must be outside the repository")
    ok = True
    for target in [BY_NAME[name] for name in args.family] if args.family else TARGETS:
        tally = fuzz_family(target, args.per_family, args.seed, args.out, args.stop_after)
        ok &= _report(target, tally)
        if tally.interrupted:
            return 130
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
