"""`opsmith design [PATH] --users N [--regions N] [--compliance ...] [--cloud ...]`: analyse the
repository, decide the design, write opsmith.yaml, docs/infrastructure.md and its SVG."""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.config import ConfigError, find_config, load_config
from opsmith.design.table import CLOUDS, COMPLIANCE
from opsmith.report.safe_text import shown
from opsmith.safe_read import NotReadable, read_text_limited
from opsmith.writer import WriteError, repository_target, write_atomic

_MAX_DESIGN = 4 * 1024 * 1024
_USERS = re.compile(r"^\s*(\d+(?:[.,_]\d+)*(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_users(text: str) -> int:
    """`5000`, `5,000`, `100k`, `1.5m` -> a positive number of users."""
    match = _USERS.match(text)
    if not match:
        raise ValueError(f"not a number of users: {text!r} (e.g. 5000, 100k, 1m)")
    number = float(match.group(1).replace(",", "").replace("_", ""))
    number *= {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if number < 1 or number != int(number):
        raise ValueError(f"not a whole positive number of users: {text!r}")
    return int(number)


@dataclass
class Answers:
    users: int | None = None
    regions: int | None = None
    compliance: str | None = None
    cloud: str | None = None


@dataclass(frozen=True)
class Designed:
    """The design decided now (opsmith.yaml's text), the file it replaces or would replace (None
    when there was none), and what happened: written, up to date (the file, comments and approval
    kept), refused (a file that differs kept, because --force was not given and nobody confirmed),
    or kept (a file that differs kept silently, as the caller asked)."""

    text: str
    previous: str | None
    outcome: Literal["written", "up to date", "refused", "kept"]


def run_design(
    path: str = ".",
    *,
    users: int | None = None,
    regions: int | None = None,
    compliance: str | None = None,
    cloud: str | None = None,
    name: str | None = None,
    force: bool = False,
    interactive: bool | None = None,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> int:
    try:
        done = design_repository(
            path,
            users=users,
            regions=regions,
            compliance=compliance,
            cloud=cloud,
            name=name,
            force=force,
            interactive=interactive,
            ask=ask,
            out=out,
        )
    except CommandError as exc:
        return exc.report()
    return exit_codes.REFUSED if done.outcome == "refused" else exit_codes.OK


def design_repository(
    path: str = ".",
    *,
    users: int | None = None,
    regions: int | None = None,
    compliance: str | None = None,
    cloud: str | None = None,
    name: str | None = None,
    force: bool = False,
    interactive: bool | None = None,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
    confirm: Callable[[], bool] | None = None,
    keep_differing: bool = False,
) -> Designed:
    """Analyses, decides and writes the design, telling `out` what it did; CommandError for a bad
    folder, configuration or answer (usage) and for a folder with nothing to deploy.

    An existing opsmith.yaml is replaced without --force only where the new design just fills
    what it lacked (see design/fills.py). Otherwise the difference is shown and `confirm` (when
    given) decides; `keep_differing` keeps the existing file without showing anything."""
    stream = out or sys.stdout
    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"not a folder: {path}")
    try:
        source = find_config(root)
        settings: dict[str, Any] = dict(load_config(source).settings.get("design", {}))
    except ConfigError as exc:
        raise CommandError(str(exc)) from None

    from opsmith.analysis import analyze
    from opsmith.design.approval import content_hash
    from opsmith.design.decide import DesignError, Needs, decide, overrides_of
    from opsmith.design.docs import DOCS_FILE, SVG_FILE
    from opsmith.design.render_yaml import DESIGN_FILE, DesignFileError, load, load_data, render, to_data
    from opsmith.design.table import Boundaries

    try:
        bounds = Boundaries.from_settings(settings)
    except ValueError as exc:
        raise CommandError(f"{source}: {exc}") from None
    try:  # every file this command may write, checked before the first is written
        targets = [repository_target(root, rel) for rel in (DESIGN_FILE, DOCS_FILE, SVG_FILE)]
    except WriteError as exc:
        raise CommandError(str(exc)) from None
    file = root / DESIGN_FILE
    previous_text = _read(file)
    previous = None
    if previous_text is not None:
        try:
            previous = load(previous_text, str(file))
        except DesignFileError as exc:
            if not force:
                raise CommandError(f"{exc}; fix {DESIGN_FILE}, or run with --force to replace it") from None
    answers = Answers(users, regions, compliance, cloud)
    if previous is not None:
        _fill_from(answers, previous.inputs, stream)
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        _complete(answers, interactive, ask)
    except _Missing as exc:
        raise CommandError(str(exc)) from None
    try:
        from opsmith.generate.apply import unchanged_generated

        facts = analyze(root, settings, source, unchanged_generated(root))
        if not facts.services:
            why = next((f"{u.detail}; {u.supply}" for u in facts.all_unknowns() if u.field == "services"), "")
            raise CommandError(
                f"nothing to deploy in {shown(str(root))}: {why or 'no service found'}\nnothing was written.",
                exit_codes.FINDINGS,
            )
        needs = Needs(
            users=answers.users or 1,
            regions=answers.regions or 1,
            compliance=answers.compliance or "none",  # type: ignore[arg-type]
            cloud=answers.cloud,  # type: ignore[arg-type]
            name=name or settings.get("name"),
        )
        design = decide(facts, needs, bounds, overrides_of(previous) if previous else None)
    except (ConfigError, DesignError) as exc:
        raise CommandError(str(exc)) from None
    text = render(design)
    if previous_text and previous and content_hash(load_data(previous_text)) == content_hash(to_data(design)):
        print(f"{DESIGN_FILE} is up to date (your comments and approval are kept).", file=stream)
        try:
            _write(zip(targets[1:], _docs(previous), strict=True))
        except WriteError as exc:
            raise CommandError(str(exc)) from None
        _summary(previous, stream)
        return Designed(previous_text, previous_text, "up to date")
    if previous_text is not None and not force:
        from opsmith.design.fills import filled

        gaps = filled(previous, design) if previous is not None else []
        if gaps:
            print(
                f"filling what {DESIGN_FILE} lacked: {', '.join(gaps)} (the approval is cleared)", file=stream
            )
        elif keep_differing:
            print(f"using the existing {DESIGN_FILE} (run `opsmith design --force` to redo it)", file=stream)
            return Designed(text, previous_text, "kept")
        else:
            stream.writelines(design_diff(previous_text, text))
            if confirm is None or not confirm():
                print(
                    f"\nopsmith: {DESIGN_FILE} exists and differs from the design above; nothing was"
                    " written. Run with --force to replace it (overrides are kept; the approval is cleared).",
                    file=stream,
                )
                return Designed(text, previous_text, "refused")
    try:
        _write(zip(targets, [text, *_docs(design)], strict=True))
    except WriteError as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {DESIGN_FILE}, docs/infrastructure.md and docs/infrastructure.svg", file=stream)
    _summary(design, stream)
    return Designed(text, previous_text, "written")


def design_diff(previous: str, text: str) -> list[str]:
    """The unified diff from the opsmith.yaml there is to the design decided now."""
    from opsmith.design.render_yaml import DESIGN_FILE

    return list(
        difflib.unified_diff(
            previous.splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"a/{DESIGN_FILE}",
            f"b/{DESIGN_FILE}",
        )
    )


def _read(file: Path) -> str | None:
    try:
        return read_text_limited(file, _MAX_DESIGN)
    except FileNotFoundError:
        return None
    except (OSError, NotReadable, UnicodeDecodeError):
        return ""


def _fill_from(answers: Answers, inputs: Any, stream: TextIO) -> None:
    """Answers the user did not give again are taken from the existing design."""
    reused = []
    for key in ("users", "regions", "compliance", "cloud"):
        if getattr(answers, key) is None and getattr(inputs, key) is not None:
            setattr(answers, key, getattr(inputs, key))
            reused.append(f"--{key} {getattr(inputs, key)}")
    if reused:
        print(f"using {', '.join(reused)} from opsmith.yaml", file=stream)


class _Missing(Exception):
    pass


_QUESTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("users", "Expected users (e.g. 5000, 100k, 1m)", "1000"),
    ("regions", "Regions to serve from", "1"),
    ("compliance", f"Compliance ({', '.join(COMPLIANCE)})", "none"),
    ("cloud", f"Cloud ({', '.join(CLOUDS)}; empty lets opsmith choose)", ""),
)


def _complete(answers: Answers, interactive: bool, ask: Callable[[str], str]) -> None:
    """Asks for what is missing, in a terminal; elsewhere a missing --users is an error."""
    for key, question, default in _QUESTIONS:
        if getattr(answers, key) is not None:
            continue
        if not interactive:
            if key == "users":  # the scale decides everything: never assumed without a person
                raise _Missing(f"--{key} is required when opsmith design does not run in a terminal")
            continue
        setattr(answers, key, _ask(key, question, default, ask))


def _ask(key: str, question: str, default: str | None, ask: Callable[[str], str]) -> Any:
    prompt = f"? {question} [--{key}]" + (f" ({default})" if default else "") + ": "
    for _ in range(3):
        try:
            reply = ask(prompt).strip()
        except EOFError:
            raise _Missing(f"no answer for --{key}") from None
        if not reply and default is not None:
            reply = default
        if key == "cloud" and not reply:
            return None
        try:
            return _convert(key, reply)
        except ValueError as exc:
            print(f"  {exc}", file=sys.stderr)
    raise _Missing(f"no valid answer for --{key}")


def _convert(key: str, reply: str) -> Any:
    if key == "users":
        return parse_users(reply)
    if key == "regions":
        if not reply.isdigit() or int(reply) < 1:
            raise ValueError("regions must be a whole number, 1 or more")
        return int(reply)
    choices = COMPLIANCE if key == "compliance" else CLOUDS
    if reply.lower() not in choices:
        raise ValueError(f"{key} must be one of {', '.join(choices)}")
    return reply.lower()


def _docs(design: Any) -> list[str]:
    """docs/infrastructure.md and its diagram, in the order of their targets."""
    from opsmith.design.docs import render_docs
    from opsmith.design.svg import render_svg

    return [render_docs(design), render_svg(design)]


def _write(files: Iterable[tuple[Path, str]]) -> None:
    for target, content in files:
        write_atomic(target, content)


def _summary(design: Any, stream: TextIO) -> None:
    print(
        f"tier: {design.tier.effective} ({design.tier.rule}); platform: {design.platform.effective};"
        f" orchestration: {design.orchestration.effective}",
        file=stream,
    )
    for service in design.services:
        port = f" :{service.port}" if service.port else ""
        print(
            f"  {service.name}: {service.kind or 'kind unknown'}{port}, {service.strategy.effective}",
            file=stream,
        )
    unresolved = design.unresolved()
    if unresolved:
        print("needs your input before approval (edit opsmith.yaml or .opsmith.toml):", file=stream)
        for item in unresolved:
            print(f"  - {item}", file=stream)
    else:
        print("next: review opsmith.yaml and docs/infrastructure.md, then run `opsmith approve`", file=stream)
