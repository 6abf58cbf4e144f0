"""What the user tells opsmith that the repository does not: `[design.services.NAME]` and
`[design] backing-services` in .opsmith.toml. Supplied values become facts whose evidence is the
configuration line, and the unknowns they answer disappear."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from opsmith.analysis.facts import (
    BACKING_KINDS,
    Command,
    Evidence,
    Fact,
    RepoFacts,
    Runtime,
    ServiceFacts,
    ServiceKind,
    Unknown,
    port_supply,
)
from opsmith.analysis.tree import MAX_READ, TextFile
from opsmith.config import ConfigError
from opsmith.design import grammar
from opsmith.safe_read import NotReadable, read_text_limited

SERVICE_KEYS = frozenset({"kind", "start", "port", "health", "runtime", "path", "main"})
KINDS = ("web", "worker", "cron")


def apply_supplied(
    facts: RepoFacts, settings: Mapping[str, Any], config_path: Path | None, root: Path
) -> RepoFacts:
    services_cfg = settings.get("services", {})
    backing_cfg = settings.get("backing-services", [])
    if not services_cfg and not backing_cfg:
        return facts
    text = _config_text(config_path, root)
    if not isinstance(services_cfg, dict):
        raise ConfigError(f"{_where(text)}: [design.services] must be a table of service tables")
    services = list(facts.services)
    for name, values in services_cfg.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{_where(text)}: [design.services.{name}] must be a table")
        _check(text, str(name), values)
        index = next((i for i, s in enumerate(services) if s.name == name), None)
        if index is None:
            services.append(_apply(text, _declared_only(str(name), values), values))
        else:
            services[index] = _apply(text, services[index], values)
    backing = list(facts.backing_services)
    if not isinstance(backing_cfg, list) or any(k not in BACKING_KINDS for k in backing_cfg):
        raise ConfigError(
            f"{_where(text)}: [design] backing-services must list some of {', '.join(BACKING_KINDS)}"
        )
    supplied_kinds = set()
    for kind in backing_cfg:
        evidence = _evidence(text, "design", "backing-services")
        supplied_kinds.add(kind)
        if not any(f.value == kind for f in backing):
            backing.append(Fact(kind, (evidence,)))
    if supplied_kinds & {"postgresql", "mysql", "mongodb"}:
        services = [
            replace(s, unknowns=tuple(u for u in s.unknowns if u.field != "database")) for s in services
        ]
    unknowns = (
        facts.unknowns if not services_cfg else tuple(u for u in facts.unknowns if u.field != "services")
    )
    return replace(
        facts,
        services=tuple(services),
        backing_services=tuple(sorted(backing, key=lambda f: f.value)),
        unknowns=unknowns,
    )


def _config_text(config_path: Path | None, root: Path) -> TextFile:
    if config_path is None:
        return TextFile(".opsmith.toml", "")
    try:
        shown = config_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(config_path)
    try:
        return TextFile(shown, read_text_limited(config_path, MAX_READ))
    except (OSError, NotReadable, UnicodeDecodeError):
        return TextFile(shown, "")


def _where(text: TextFile) -> str:
    return text.relpath


def _evidence(text: TextFile, table: str, key: str) -> Evidence:
    header = text.find(rf"^\s*\[\s*{re.escape(table)}\s*\]") or 1
    line = text.find(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", header)
    return text.evidence(line) if line else text.evidence(header if text.lines else None)


def _check(text: TextFile, name: str, values: Mapping[str, Any]) -> None:
    where = f"{_where(text)}: [design.services.{name}]"
    unknown = set(values) - SERVICE_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(SERVICE_KEYS))})"
        )
    if "kind" in values and values["kind"] not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}")
    port = values.get("port")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536):
        raise ConfigError(f"{where}: port must be a number from 1 to 65535")
    health = values.get("health")
    if health is not None and (not isinstance(health, str) or not health.startswith("/")):
        raise ConfigError(f'{where}: health must be a path such as "/healthz"')
    for key in ("start", "runtime", "path"):
        if key in values and (not isinstance(values[key], str) or not values[key].strip()):
            raise ConfigError(f"{where}: {key} must be a non-empty string")
    main = values.get("main")
    try:
        if main is not None:
            grammar.go_package(main if isinstance(main, str) else "")
    except ValueError as exc:
        raise ConfigError(f"{where}: main {exc}") from exc


def _declared_only(name: str, values: Mapping[str, Any]) -> ServiceFacts:
    key = f"[design.services.{name}]"
    unknowns = [
        Unknown(
            f"{field} of {name}",
            "the service is declared in .opsmith.toml only",
            f"{key} {field} = ... in .opsmith.toml",
            field,
        )
        for field in ("kind", "start")
        if field not in values
    ]
    return ServiceFacts(
        name=name, path=str(values.get("path", ".")), ecosystem="unknown", kind=None, unknowns=tuple(unknowns)
    )


def _apply(text: TextFile, service: ServiceFacts, values: Mapping[str, Any]) -> ServiceFacts:
    table = f"design.services.{service.name}"
    supplied: dict[str, Any] = {}
    for key in SERVICE_KEYS & set(values):
        evidence = _evidence(text, table, key)
        value = values[key]
        if key == "kind":
            supplied["kind"] = Fact(
                cast(ServiceKind, value), (evidence,), "declared", "supplied in configuration"
            )
        elif key == "start":
            supplied["start"] = Command(
                "start", value.strip(), (evidence,), "declared", "supplied in configuration"
            )
        elif key == "port":
            supplied["port"] = Fact(int(value), (evidence,), "declared", "supplied in configuration")
        elif key == "health":
            supplied["health"] = Fact(value, (evidence,), "declared", "supplied in configuration")
        elif key == "runtime":
            name = service.runtime.name if service.runtime else service.ecosystem
            supplied["runtime"] = Runtime(name, value.strip(), (evidence,))
        elif key == "main":
            if service.ecosystem != "go":
                raise ConfigError(
                    f"{_where(text)}: [{table}] main chooses a Go main package; {service.name} is not Go"
                )
            supplied["main_package"] = Fact(value, (evidence,), "declared", "supplied in configuration")
            if "start" not in values:
                binary = value.rstrip("/").rsplit("/", 1)[-1]
                binary = service.name if binary == "." else binary
                supplied["start"] = Command(
                    "start", f"bin/{binary}", (evidence,), "derived", f"the binary built from {value}"
                )
    answered = set(supplied)
    kind = supplied.get("kind", service.kind)
    if kind is not None and kind.value != "web":
        answered |= {"port", "health"}
    unknowns = [u for u in service.unknowns if u.field not in answered]
    updated = replace(service, **supplied)
    if kind is not None and kind.value == "web":
        key = f"[design.services.{service.name}]"
        fields = {u.field for u in unknowns}
        if updated.port is None and "port" not in fields:
            unknowns.append(
                Unknown(
                    f"port of {service.name}",
                    "not found in the repository or the configuration",
                    port_supply(service.name),
                    "port",
                )
            )
        if updated.health is None and "health" not in fields:
            unknowns.append(
                Unknown(
                    f"health endpoint of {service.name}",
                    "not found in the repository or the configuration",
                    f'{key} health = "/healthz" in .opsmith.toml',
                    "health",
                )
            )
    return replace(updated, unknowns=tuple(unknowns))
