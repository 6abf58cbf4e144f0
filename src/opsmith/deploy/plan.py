"""What one `opsmith deploy` will do to each service, worked out before anything changes: the
image, where HAProxy serves it, the release's environment (compose.yaml's, interpolated the way
compose does), the release command, the SLO it is judged against and its steps.

Everything here is read-only and pure given its inputs, so a bad value stops the deploy before a
container starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsmith.deploy.flags import Listen
from opsmith.deploy.strategies import Step, StrategyName, effective_strategy, parse_step, steps_for
from opsmith.design.model import Design, Service, Slo
from opsmith.generate.specs import image_name
from opsmith.safe_read import NotReadable, read_text_limited

ENVIRONMENT_FILE = ".opsmith/environment"  # written by the server set-up: the host's environment
REGISTRY_FILE = ".opsmith/registry"  # written by the server set-up: the registry prefix to pull from
DEFAULT_ENVIRONMENT = "production"
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.DOTALL)


class PlanError(Exception):
    """A value the deploy cannot use; the message is one line naming it."""


@dataclass(frozen=True)
class ServicePlan:
    service: str
    environment: str
    image: str
    strategy: StrategyName
    steps: tuple[Step, ...]
    web: bool
    listen: Listen | None  # where HAProxy serves a web service
    container_port: int | None
    health_path: str | None
    env: Mapping[str, str]
    release_command: str | None
    slo: Slo | None


def recorded(root: Path, name: str) -> str | None:
    """A one-line value the server set-up recorded under .opsmith/, if any."""
    try:
        text = read_text_limited(root / name, 4096).strip()
    except (NotReadable, OSError, UnicodeDecodeError):
        return None
    return text or None


def default_environment(root: Path) -> str:
    return recorded(root, ENVIRONMENT_FILE) or DEFAULT_ENVIRONMENT


def deployable(design: Design, names: Sequence[str]) -> list[Service]:
    """The services a deploy covers: those named, else every web service and worker."""
    if not names:
        return [s for s in design.services if s.kind in ("web", "worker")]
    out = []
    for name in dict.fromkeys(names):
        service = design.service(name)
        if service is None:
            known = ", ".join(s.name for s in design.services)
            raise PlanError(f"the design has no service {name!r} (it has {known})")
        if service.kind not in ("web", "worker"):
            raise PlanError(f"{name} is a {service.kind} service: only web services and workers are deployed")
        out.append(service)
    return out


def plan_services(
    root: Path,
    design: Design,
    *,
    names: Sequence[str],
    environment: str,
    tag: str | None,
    images: Mapping[str, str],
    listen: Mapping[str, Listen],
    strategy: StrategyName | None,
    settings: Mapping[str, Any],
    process_env: Mapping[str, str] | None = None,
) -> list[ServicePlan]:
    services = deployable(design, names)
    known = {s.name for s in design.services}
    unknown = sorted((set(images) | set(listen)) - known)
    if unknown:
        raise PlanError(f"--image/--listen name a service the design does not have: {unknown[0]}")
    if environment not in {e.name for e in design.environments}:
        raise PlanError(f"unknown environment {environment!r} (the design has staging and production)")
    compose = compose_services(root)
    values = {**_dotenv(root), **(os.environ if process_env is None else process_env)}
    registry = recorded(root, REGISTRY_FILE)
    plans = []
    for service in services:
        image = images.get(service.name)
        if image is None:
            if tag is None:
                raise PlanError(
                    f"no image for {service.name}: pass --image-tag TAG or --image {service.name}=REF"
                )
            base = image_name(design, service)
            image = f"{registry.rstrip('/')}/{base}:{tag}" if registry else f"{base}:{tag}"
        web = service.kind == "web"
        if web and service.name not in listen and service.port is None:
            raise PlanError(
                f"{service.name} has no port in the design: pass --listen {service.name}=HOST:PORT"
            )
        chosen = strategy or effective_strategy(service.strategy.effective)
        custom = _custom_steps(settings, service.name)
        weights = settings.get("canary-weights")
        try:
            steps = steps_for(
                chosen,
                web=web,
                release_command=service.release is not None,
                canary_weights=_weights(weights) if weights is not None else (5, 25, 50),
                custom=custom,
            )
        except ValueError as exc:
            raise PlanError(f"[deploy] of .opsmith.toml: {exc}") from None
        env = _environment(compose.get(service.name), values, service.name)
        if service.port is not None:
            env.setdefault("PORT", str(service.port))
        plans.append(
            ServicePlan(
                service=service.name,
                environment=environment,
                image=image,
                strategy=chosen,
                steps=tuple(steps),
                web=web,
                listen=listen.get(service.name)
                or (Listen("0.0.0.0", service.port) if web and service.port else None),
                container_port=service.port,
                health_path=service.health_path,
                env=env,
                release_command=service.release,
                slo=service.slo,
            )
        )
    return plans


def _custom_steps(settings: Mapping[str, Any], service: str) -> list[Step] | None:
    table = settings.get("steps")
    if not isinstance(table, dict) or service not in table:
        return None
    texts = table[service]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise PlanError(f'[deploy.steps] {service} must be a list of steps such as "weight 10"')
    try:
        return [parse_step(t) for t in texts]
    except ValueError as exc:
        raise PlanError(f"[deploy.steps] {service}: {exc}") from None


def _weights(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise PlanError("[deploy] canary-weights must be a list of percentages, e.g. [5, 25, 50]")
    return value


def compose_file(root: Path) -> Path | None:
    """The compose file compose itself would pick in `root`, if any."""
    return next((root / name for name in COMPOSE_FILES if (root / name).is_file()), None)


def compose_services(root: Path) -> dict[str, Any]:
    """The `services` mapping of `root`'s compose file ({} without one)."""
    file = compose_file(root)
    if file is None:
        return {}
    import yaml

    try:
        data = yaml.safe_load(read_text_limited(file, 4 * 1024 * 1024))
    except (NotReadable, OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(f"cannot read {file.name}: {str(exc).splitlines()[0][:160]}") from None
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else {}


def _dotenv(root: Path) -> dict[str, str]:
    """`.env` next to compose.yaml, as compose reads it (KEY=VALUE lines, quotes stripped)."""
    try:
        text = read_text_limited(root / ".env", 1024 * 1024)
    except (NotReadable, OSError, UnicodeDecodeError):
        return {}
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and not key.startswith("#") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip()] = value
    return values


def _environment(entry: Any, values: Mapping[str, str], service: str) -> dict[str, str]:
    """A compose service's `environment` (mapping or KEY=VALUE list), interpolated."""
    raw = entry.get("environment") if isinstance(entry, dict) else None
    pairs: dict[str, Any] = {}
    if isinstance(raw, dict):
        pairs = {str(k): v for k, v in raw.items()}
    elif isinstance(raw, list):
        for item in raw:
            key, sep, value = str(item).partition("=")
            pairs[key] = value if sep else None
    env = {}
    for key, value in pairs.items():
        if value is None:  # `- KEY` alone: taken from the environment when set
            if key in values:
                env[key] = values[key]
            continue
        text = "true" if value is True else "false" if value is False else str(value)
        env[key] = interpolate(text, values, f"{service}.environment.{key}")
    return env


def interpolate(text: str, values: Mapping[str, str], where: str) -> str:
    """Compose's `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
    `${VAR?message}`, `${VAR:+alt}` (defaults may nest) and `$$`. A required variable that is
    unset stops the deploy (PlanError), naming the variable, never its value."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$" or i + 1 == len(text):
            out.append(char)
            i += 1
        elif text[i + 1] == "$":
            out.append("$")
            i += 2
        elif text[i + 1] == "{":
            end = _closing(text, i + 2)
            if end < 0:
                raise PlanError(f"compose.yaml {where}: an unclosed ${{")
            out.append(_expand(text[i + 2 : end], values, where))
            i = end + 1
        else:
            plain = _PLAIN.match(text, i + 1)
            out.append(values.get(plain.group(0), "") if plain else "$")
            i = plain.end() if plain else i + 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """The index of the `}` that closes a `${` opened just before `start`, or -1."""
    depth = 1
    for index in range(start, len(text)):
        if text.startswith("${", index):
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _expand(body: str, values: Mapping[str, str], where: str) -> str:
    braced = _BRACED.match(body)
    if braced is None:
        raise PlanError(f"compose.yaml {where}: cannot read ${{{body[:40]}}}")
    name, op, arg = braced["name"], braced["op"], braced["arg"] or ""
    value = values.get(name)
    empty = value is None or (op is not None and op.startswith(":") and value == "")
    if op in ("-", ":-"):
        return interpolate(arg, values, where) if empty else str(value)
    if op in ("?", ":?"):
        if empty:
            raise PlanError(f"compose.yaml {where} needs {name}: {arg[:80] or 'set it'}")
        return str(value)
    if op in ("+", ":+"):
        return "" if empty else interpolate(arg, values, where)
    return value or ""
