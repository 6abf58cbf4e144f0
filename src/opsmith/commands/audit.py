"""`opsmith audit [PATH...]`."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from opsmith import exit_codes
from opsmith.audit.engine import AuditResult, Target, audit
from opsmith.commands.errors import CommandError, internal_error, usage_error
from opsmith.config import Config, ConfigError, find_config, load_config, parse_fail_on
from opsmith.progress import working
from opsmith.report import render
from opsmith.report.safe_text import shown


def run_audit(args: argparse.Namespace) -> int:
    try:
        targets = audit_targets(args)
    except CommandError as exc:
        return exc.report()
    with working("auditing"):
        results = [audit(target, config) for target, config in targets]
    if args.fix or args.diff:
        from opsmith.commands.audit_fix import fix_or_diff

        configs = [config for _, config in targets]
        code = fix_or_diff(configs, results, write=args.fix, unsafe=args.unsafe_fixes)
        if code is not None:
            return code
        with working("auditing what the fixes left"):
            results = [audit(target, config) for target, config in targets]
    if args.baseline:
        code = _baseline(results, Path(args.baseline), write=args.write_baseline)
        if code is not None:
            return code
    result = combined(targets, results)
    fail_on = targets[0][1].fail_on
    color = (
        args.color
        if args.color is not None
        else (args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    )
    report = render(args.format, result, color)
    if args.output:
        from opsmith.writer import WriteError, write_output  # tempfile and its imports: only here

        try:
            write_output(Path(args.output), report)
        except WriteError as exc:
            return usage_error(str(exc))
    else:
        sys.stdout.write(report)
    if args.format != "text":
        for note in result.notes:
            print(f"opsmith: note: {shown(note)}", file=sys.stderr)
    if result.crashes:
        where = result.crashes[0].where
        return internal_error(where, [c.error for c in result.crashes], debug=getattr(args, "debug", False))
    failing = fail_on is not None and any(f.severity >= fail_on for f in result.findings)
    return exit_codes.FINDINGS if failing else exit_codes.OK


def _baseline(results: list[AuditResult], path: Path, *, write: bool) -> int | None:
    """Writes the baseline (an exit code), or hides the findings it accepts (None: go on)."""
    from opsmith.audit import baseline
    from opsmith.writer import WriteError, write_output

    if write:
        entries = [key for result in results for key in baseline.keys(result)]
        try:
            write_output(path, baseline.render(entries))
        except WriteError as exc:
            return usage_error(str(exc))
        print(f"wrote {len(entries)} finding(s) to the baseline {shown(str(path))}", file=sys.stderr)
        return exit_codes.OK
    try:
        remaining = baseline.load(path)
    except baseline.BaselineError as exc:
        return usage_error(str(exc))
    hidden = sum(baseline.apply(result, remaining) for result in results)
    stale = sum(remaining.values())
    note = f"{hidden} finding(s) accepted in the baseline {path} are not shown"
    if stale:
        note += f"; {stale} of its entries no longer occur (rewrite it with --write-baseline)"
    results[0].notes.append(note)
    return None


def audit_targets(args: argparse.Namespace) -> list[tuple[Target, Config]]:
    """What to audit and with which configuration, from the audit verb's arguments; CommandError
    for a missing path, a bad configuration or an unknown rule ID."""
    paths = [Path(p) for p in (args.paths or ["."])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CommandError(f"no such file or folder: {missing[0]}")
    if args.write_baseline and not args.baseline:
        raise CommandError("--write-baseline needs --baseline FILE to write to")
    try:
        return [(target, _config_for(target, args)) for target in _targets(paths)]
    except (ConfigError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def combined(targets: list[tuple[Target, Config]], results: list[AuditResult]) -> AuditResult:
    """The targets' results as one, with a note when an asked-for check could not run."""
    result = _merge(results)
    note = _terraform_fmt_note(targets, result)
    if note:
        result.notes.append(note)
    return result


def _targets(paths: list[Path]) -> list[Target]:
    """Folders are audited as roots; files are grouped under the current folder (or their own)."""
    cwd = Path.cwd().resolve()
    targets: list[Target] = []
    loose: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            targets.append(Target(path))
            continue
        resolved = path.resolve()
        root = cwd if resolved.is_relative_to(cwd) else resolved.parent
        loose.setdefault(root, []).append(resolved)
    targets.extend(Target(root, tuple(files)) for root, files in loose.items())
    return targets


def _config_for(target: Target, args: argparse.Namespace) -> Config:
    source = Path(args.config) if args.config else find_config(target.root)
    if args.config and not source.exists():  # type: ignore[union-attr]
        raise ConfigError(f"no such configuration file: {args.config}")
    config = load_config(source)
    if args.select:
        config = replace(config, select=_ids(args.select))
    if args.ignore:
        config = replace(config, ignore=(*config.ignore, *_ids(args.ignore)))
    if args.fail_on:
        config = replace(config, fail_on=parse_fail_on(args.fail_on))
    _check_rule_patterns(
        config, "--select" if args.select else "select", "--ignore" if args.ignore else "ignore"
    )
    if getattr(args, "terraform_fmt", False):
        terraform = {**config.settings.get("terraform", {}), "fmt": True}
        config = replace(config, settings={**config.settings, "terraform": terraform})
    return config


def _check_rule_patterns(config: Config, select: str, ignore: str) -> None:
    """A typo in a rule ID would silently audit nothing (or ignore nothing): refuse it."""
    from opsmith.rules.catalogue import names_a_rule

    for option, patterns in ((select, config.select), (ignore, config.ignore), ("severity", config.severity)):
        unknown = next((p for p in patterns if not names_a_rule(p)), None)
        if unknown is not None:
            where = f"{config.source}: " if config.source and not option.startswith("--") else ""
            raise ConfigError(
                f"{where}{option}: no rule ID starts with {unknown!r} (`opsmith rules` lists them)"
            )


def _terraform_fmt_note(targets: list[tuple[Target, Config]], result: AuditResult) -> str | None:
    """The fmt check (TF013) was asked for but cannot run: say so rather than fail."""
    asked = any(config.setting("terraform.fmt") is True for _, config in targets)
    if not asked or "TF013" not in result.rules:
        return None
    from opsmith.rules.terraform_fmt import terraform_binary

    if terraform_binary() is None:
        return "terraform fmt check (TF013) skipped: no `terraform` binary on PATH"
    return None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def _merge(results: list[AuditResult]) -> AuditResult:
    if len(results) == 1:
        return results[0]
    merged = AuditResult(root=None)
    for r in results:
        merged.findings.extend(r.findings)
        merged.files += r.files
        merged.notes.extend(r.notes)
        merged.rules.update(r.rules)
        merged.crashes.extend(r.crashes)
        merged.test_files |= r.test_files
        merged.other_tool_files.update(r.other_tool_files)
    return merged
