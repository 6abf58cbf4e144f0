"""`opsmith verify monitoring [PATH]`: gate 3, every critical service watched (exit 0) or the gaps
(exit 1); a bad path, configuration or design file is a usage error (exit 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.config import Config, ConfigError, find_config, load_config
from opsmith.progress import working

if TYPE_CHECKING:
    from opsmith.monitoring.coverage import Coverage
    from opsmith.monitoring.runbooks import RunbookBase


def run_verify_monitoring(
    path: str = ".", fmt: str = "text", config_file: str | None = None, out: TextIO | None = None
) -> int:
    stream = out or sys.stdout
    try:
        with working("checking monitoring coverage"):
            coverage, note = verify_coverage(path, config_file)
    except CommandError as exc:
        return exc.report()
    if fmt == "json":
        stream.write(json.dumps(coverage.to_json(), indent=2) + "\n")
    else:
        from opsmith.monitoring.report import to_text

        if note:
            from opsmith.report.safe_text import shown

            stream.write(shown(note) + "\n")
        stream.write(to_text(coverage))
    return exit_codes.OK if coverage.covered else exit_codes.FINDINGS


def verify_coverage(path: str, config_file: str | None = None) -> tuple[Coverage, str | None]:
    """Gate 3's coverage of the repository at `path`, and a note when its design is not approved;
    CommandError for a bad folder, configuration or design file."""
    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"not a folder: {path}")
    try:
        config = load_config(Path(config_file) if config_file else find_config(root))
        base = _runbook_base(config)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    from opsmith.design.approval import check_approved, design_path

    design = None
    note = None
    if design_path(root).is_file():
        status = check_approved(root)
        if status.state == "invalid" or status.design is None:
            raise CommandError(status.message)
        design = status.design
        if not status.approved:
            note = f"note: {status.message}; its services are checked as written"
    from opsmith.monitoring.gate import verify_monitoring

    coverage = verify_monitoring(
        root,
        design,
        exclude=config.exclude,
        max_size=config.max_file_size,
        runbook_base=base,
    )
    return coverage, note


def _runbook_base(config: Config) -> RunbookBase | None:
    """`[monitoring] runbook-base-url` and `runbook-folder`: where linked runbooks live here."""
    from opsmith.monitoring.runbooks import RunbookBase

    url = config.setting("monitoring.runbook-base-url")
    folder = config.setting("monitoring.runbook-folder", "")
    if url is None:
        return None
    if not isinstance(url, str) or not url.strip() or not isinstance(folder, str):
        raise ConfigError("[monitoring] runbook-base-url and runbook-folder must be strings")
    return RunbookBase(url.strip(), folder.strip().strip("/") or ".")
