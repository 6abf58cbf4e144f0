"""The generated files as the decision checks read them: Terraform text, production settings and
Kubernetes objects, each worked out once per check run."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*)$")
_OPENERS = {"[": "]", "{": "}", "(": ")"}


class GeneratedFiles:
    """Files by repository path, as `opsmith generate` wrote them."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = dict(texts)

    def under(self, *prefixes: str, suffix: str = "") -> dict[str, str]:
        return {
            path: text
            for path, text in self.texts.items()
            if path.startswith(prefixes) and path.endswith(suffix)
        }

    @cached_property
    def terraform(self) -> str:
        """Every Terraform file and first-boot script, joined: where resources are looked up."""
        return "\n".join(
            text
            for path, text in sorted(self.texts.items())
            if path.startswith("terraform/") and path.endswith((".tf", ".sh", ".yaml", ".yml"))
        )

    @cached_property
    def production_settings(self) -> dict[str, str]:
        """`name = value` of every production terraform.tfvars (a multi-line value joined), the
        values production actually runs with."""
        out: dict[str, str] = {}
        for path, text in sorted(self.texts.items()):
            if path.endswith(".tfvars") and "/production" in path:
                out.update(_assignments(text))
        return out

    def setting(self, name: str) -> str | None:
        """A production setting named `name`, or one whose name ends in `_<name>` (`db_multi_az`)."""
        settings = self.production_settings
        if name in settings:
            return settings[name]
        return next((v for k, v in settings.items() if k.endswith(f"_{name}")), None)

    def settings_ending(self, name: str) -> dict[str, str]:
        return {k: v for k, v in self.production_settings.items() if k == name or k.endswith(f"_{name}")}

    @cached_property
    def kubernetes(self) -> list[dict[str, Any]]:
        """Every Kubernetes object in the generated YAML (k8s/ and any add-on stage), parse
        failures skipped: the audit reports those."""
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
        out: list[dict[str, Any]] = []
        for path, text in sorted(self.texts.items()):
            if not path.endswith((".yaml", ".yml")) or "apiVersion" not in text:
                continue
            if path.startswith((".github/", "monitoring/")) or "/monitoring/" in path:
                continue  # workflows, Prometheus rules and dashboards: no object a decision needs
            try:
                documents = list(yaml.load_all(text, Loader=loader))
            except yaml.YAMLError:
                continue
            out += [d for d in documents if isinstance(d, dict) and "kind" in d and "apiVersion" in d]
        return out

    def objects(self, kind: str) -> Iterator[dict[str, Any]]:
        return (o for o in self.kubernetes if o.get("kind") == kind)

    def mentions(self, *tokens: str) -> bool:
        """Whether any generated file names one of `tokens`."""
        return any(token in text for text in self.texts.values() for token in tokens)


def field(node: Any, *keys: str) -> Any:
    """`node[k1][k2]...`, or None where a level is missing or not a mapping (a hand-edited file
    may hold anything)."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _assignments(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _ASSIGNMENT.match(lines[index].strip())
        index += 1
        if not match:
            continue
        value = match.group(2).split(" #", 1)[0].strip()
        while _open(value) and index < len(lines):
            value += " " + lines[index].strip()
            index += 1
        out[match.group(1)] = value
    return out


def _open(value: str) -> bool:
    """Whether brackets opened in `value` are still open (strings are simple in tfvars)."""
    depth = 0
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in _OPENERS:
            depth += 1
        elif not quoted and char in _OPENERS.values():
            depth -= 1
    return depth > 0


def quoted(value: str | None) -> list[str]:
    """The quoted strings in a setting's value, in order."""
    return re.findall(r'"([^"]*)"', value or "")


def boolean(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").strip())


def number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None
