"""`opsmith generate [PATH]`: render every artifact of the approved design and write it safely."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.progress import working
from opsmith.safe_read import NotReadable, read_text_limited

if TYPE_CHECKING:
    from opsmith.generate.apply import ApplyReport

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def load_digests(path: str | None) -> dict[str, str]:
    """`--pin-digests FILE`: JSON `{"image:tag": "sha256:..."}` or lines `image:tag sha256:...`."""
    if path is None:
        return {}
    try:
        text = read_text_limited(Path(path), 1024 * 1024)
    except NotReadable as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    pairs: dict[str, str] = {}
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the digest file must map image references to digests")
        pairs = {str(k): str(v) for k, v in data.items()}
    else:
        for number, line in enumerate(text.splitlines(), 1):
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValueError(f"{path}:{number}: expected `image:tag sha256:<digest>`")
            pairs[parts[0]] = parts[1]
    bad = [f"{k} -> {v}" for k, v in pairs.items() if not _DIGEST.match(v)]
    if bad:
        raise ValueError(f"not a sha256 digest: {bad[0]}")
    return pairs


@dataclass(frozen=True)
class Generated:
    """What one generate run did (or, dry, would do): the gate's message, each file's outcome and
    diff, and the planner's notes."""

    gate: str
    report: ApplyReport
    notes: tuple[str, ...]


def run_generate(
    path: str = ".",
    *,
    force: bool = False,
    dry_run: bool = False,
    k8s: bool = False,
    pin_digests: str | None = None,
    out: TextIO | None = None,
) -> int:
    stream = out or sys.stdout
    try:
        with working("generating the approved design's files"):
            done = generate_files(path, force=force, dry_run=dry_run, k8s=k8s, pin_digests=pin_digests)
    except CommandError as exc:
        return exc.report()
    report = done.report
    print(f"{done.gate}.", file=stream)
    verb = "would write" if dry_run else "wrote"
    for result in report.results:
        print(f"  {result.outcome.value:<40} {result.path}", file=stream)
        if result.diff:
            stream.write(result.diff if result.diff.endswith("\n") else result.diff + "\n")
    for note in done.notes:
        print(f"note: {note}", file=stream)
    changed = [r for r in report.results if r.outcome.name in ("CREATED", "UPDATED", "OVERWRITTEN")]
    print(f"{verb} {len(changed)} file(s); {len(report.kept)} kept as you have them.", file=stream)
    if report.kept and not dry_run:
        print(
            "Files you changed (or had before) were left alone; the diffs above show what opsmith "
            "would write. Merge what you want, or re-run with --force to take opsmith's version.",
            file=stream,
        )
    return 0


def generate_files(
    path: str, *, force: bool, dry_run: bool, k8s: bool = False, pin_digests: str | None = None
) -> Generated:
    """Renders the approved design and writes it safely (nothing with `dry_run`); CommandError for
    a bad path or digest file (usage) or a design that has not passed gate 1 (refused)."""
    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"not a folder: {path}")
    try:
        digests = load_digests(pin_digests)
    except (OSError, ValueError) as exc:
        raise CommandError(f"--pin-digests: {exc}") from None
    from opsmith.design.approval import check_approved

    status = check_approved(root)
    if not status.approved or status.design is None:
        raise CommandError(status.message, exit_codes.REFUSED)
    from opsmith.generate.apply import apply
    from opsmith.generate.decisions import decision_map, problems
    from opsmith.generate.dockerfile import GenerateError
    from opsmith.generate.options import GenerateOptions
    from opsmith.generate.plan import plan
    from opsmith.writer import WriteError

    try:
        planned = plan(status.design, GenerateOptions(k8s=k8s, digests=digests))
        decisions = decision_map(status.design, planned.artifacts)
        report = apply(root, planned.artifacts, force=force, dry_run=dry_run, decisions=decisions)
    except (GenerateError, WriteError) as exc:
        raise CommandError(str(exc)) from None
    # what the design decided that these files do not build says so here, not only in a test
    texts = {a.path: a.content for a in planned.artifacts}
    gaps = [f"design decision {p}" for p in problems(status.design, texts, decisions)]
    return Generated(status.message, report, (*planned.notes, *gaps))
