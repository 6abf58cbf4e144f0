"""Project configuration: `.opsmith.toml`, or `[tool.opsmith]` in pyproject.toml.

```toml
select = ["DF", "KU001"]          # rule IDs or prefixes; default: every rule
ignore = ["DF002"]
fail-on = "warning"               # error | warning | info | never
exclude = ["legacy/**"]           # gitignore-style patterns, on top of .gitignore
max-file-size = 1048576           # bytes; larger files are skipped with a note
test-paths = ["qa/**"]            # gitignore-style: also judged as tests (audit/classify.py)
production-paths = ["examples/"]  # never judged as tests; test-paths wins where both match
[per-path-ignores]
"examples/**" = ["DF"]
[severity]
DF004 = "error"
[kubernetes]                      # settings of one family, read by its rules
version = "1.31"
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsmith.findings import Severity
from opsmith.safe_read import NotReadable, read_text_limited

CONFIG_FILE = ".opsmith.toml"
DEFAULT_MAX_FILE_SIZE = 1024 * 1024
_MAX_CONFIG = 4 * 1024 * 1024  # pyproject.toml included: far above any real one
# Tables of settings owned by one part of opsmith (a family's rules, design, deploy).
SETTING_SECTIONS = frozenset(
    {
        "dockerfile",
        "compose",
        "workflow",
        "kubernetes",
        "terraform",
        "prometheus",
        "alertmanager",
        "migration",
        "repository",
        "design",
        "deploy",
        "monitoring",
    }
)
_LIST_KEYS = ("select", "ignore", "exclude", "test-paths", "production-paths")


class ConfigError(Exception):
    """A configuration the user must fix; reported as one line, exit code 2."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = Severity.WARNING
    exclude: tuple[str, ...] = ()
    # Files judged as tests get production-only rules at info at most (audit/classify.py).
    test_paths: tuple[str, ...] = ()
    production_paths: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    settings: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def setting(self, key: str, default: Any = None) -> Any:
        """`setting("kubernetes.version")` reads `[kubernetes] version = ...`."""
        section, _, name = key.partition(".")
        table = self.settings.get(section, {})
        return table.get(name, default) if isinstance(table, dict) else default

    def family_selected(self, prefix: str) -> bool:
        """Whether `select` can enable any rule with this ID prefix (ignores are per rule)."""
        return not self.select or any(
            p.upper().startswith(prefix) or prefix.startswith(p.upper()) for p in self.select
        )

    def rule_enabled(self, rule_id: str) -> bool:
        selected = not self.select or _matches(rule_id, self.select)
        return selected and not _matches(rule_id, self.ignore)


def _matches(rule_id: str, patterns: Sequence[str]) -> bool:
    return any(rule_id.startswith(p.upper()) for p in patterns)


def parse_fail_on(text: str) -> Severity | None:
    if text.strip().lower() == "never":
        return None
    try:
        return Severity.parse(text)
    except ValueError:
        raise ValueError(f"unknown level {text!r} (expected error, warning, info or never)") from None


def find_config(start: Path) -> Path | None:
    """The nearest `.opsmith.toml`, or pyproject.toml with [tool.opsmith], up to the git top."""
    folder = start if start.is_dir() else start.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        own = candidate / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            return None
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = read_text_limited(pyproject, _MAX_CONFIG)
    except (OSError, NotReadable, UnicodeDecodeError):
        return False
    if "opsmith" not in text:  # most pyproject files: no need to parse TOML at all
        return False
    import tomllib

    try:
        return "opsmith" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return False


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    import tomllib

    try:
        data = tomllib.loads(read_text_limited(path, _MAX_CONFIG))
    except NotReadable as exc:
        raise ConfigError(f"cannot read {path}: {exc.reason}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("opsmith", {})
    return config_from_mapping(data, path)


def config_from_mapping(data: Mapping[str, Any], source: Path | None = None) -> Config:
    where = str(source) if source else "configuration"
    kwargs: dict[str, Any] = {"source": source}
    settings: dict[str, Any] = {}
    for key, value in data.items():
        norm = key.replace("_", "-")
        if norm in _LIST_KEYS:
            kwargs[norm.replace("-", "_")] = _str_list(value, f"{where}: {key}")
        elif norm == "fail-on":
            kwargs["fail_on"] = _checked(parse_fail_on, value, f"{where}: fail-on")
        elif norm == "max-file-size":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{where}: max-file-size must be a positive number of bytes")
            kwargs["max_file_size"] = value
        elif norm in ("per-path-ignores", "per-file-ignores"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {key} must be a table of pattern = [rule IDs]")
            kwargs["per_path_ignores"] = {
                str(pat): _str_list(ids, f"{where}: {key}.{pat}") for pat, ids in value.items()
            }
        elif norm == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f'{where}: severity must be a table of RULE = "level"')
            kwargs["severity"] = {
                str(rid).upper(): _checked(Severity.parse, lvl, f"{where}: severity.{rid}")
                for rid, lvl in value.items()
            }
        elif norm in SETTING_SECTIONS and isinstance(value, dict):
            settings[norm] = {str(k).replace("_", "-"): v for k, v in value.items()}
        else:
            raise ConfigError(f"{where}: unknown key {key!r}")
    kwargs["settings"] = settings
    return Config(**kwargs)


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a list of strings")
    return tuple(value)


def _checked(parse: Any, value: Any, what: str) -> Any:
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be a string")
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{what}: {exc}") from exc
