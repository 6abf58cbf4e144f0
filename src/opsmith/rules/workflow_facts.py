"""Facts about workflow steps that several GA rules rely on: known action pins, where in a script
a command is written, and which image tags a step pushes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

from opsmith.parse.image import image_ref
from opsmith.parse.shell import Command
from opsmith.parse.workflow import Step, Text
from opsmith.rules.workflow_graph import script_commands, tool_of

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_MOVING_TAGS = frozenset(
    {
        "latest",
        "main",
        "master",
        "develop",
        "dev",
        "staging",
        "stage",
        "production",
        "prod",
        "stable",
        "edge",
        "nightly",
        "beta",
        "test",
        "current",
        "release",
        "live",
        "head",
        "trunk",
        "next",
        "canary",
    }
)


@cache
def _pins() -> dict[str, tuple[str, str]]:
    text = files("opsmith").joinpath("data", "action-pins.json").read_text(encoding="utf-8")
    actions = json.loads(text).get("actions", {})
    return {
        name.lower(): (entry["sha"], entry["tag"])
        for name, entry in actions.items()
        if isinstance(entry, dict) and "sha" in entry and "tag" in entry
    }


def known_pin(owner_repo: str) -> tuple[str, str] | None:
    """(commit SHA, release tag) of the newest release opsmith knows for `owner/repo`."""
    return _pins().get(owner_repo.lower())


def command_line(script: Text, cmd: Command) -> int:
    """The line of the script where a command is written (found by its first two words)."""
    words = [w for w in cmd.words[:2] if "${{" not in w]
    offset = 0
    for line in script.value.splitlines(keepends=True):
        if all(w in line for w in words):
            return script.line_at(offset)
        offset += len(line)
    return script.line_at(0)


# --- pushed image tags (GA011) ---------------------------------------------------------------------


def pushed_tags(step: Step) -> Iterator[tuple[Step, int, str | None]]:
    """(step, line, image reference) for every image the step pushes; None when the step pushes
    something opsmith cannot name (computed tags, `--all-tags`, a compose file)."""
    action = step.action
    if action.startswith(("docker/build-push-action", "docker/bake-action")):
        push = step.input("push")
        if not step.input_is_true("push") and (push is None or "${{" not in push.value):
            return  # a `${{ }}` value may push: judged as if it does
        tags = step.input("tags")
        if tags is None:
            yield step, step.line, None
            return
        offset = 0
        for raw in tags.value.replace(",", "\n").splitlines(keepends=True):
            if raw.strip():
                yield step, tags.line_at(offset), raw.strip()
            offset += len(raw)
        return
    if step.run is None:
        return
    for cmd in script_commands(step.run.value):
        for ref in _pushed_by(cmd):
            yield step, command_line(step.run, cmd), ref


def _pushed_by(cmd: Command) -> list[str | None]:
    program, args = tool_of(cmd)
    words = [a for a in args if not a.startswith("-")]
    if program in ("docker", "podman", "buildah") and words[:1] == ["push"]:
        if "-a" in args or "--all-tags" in args or len(words) < 2:
            return [None]
        return [words[-1].removeprefix("docker://")]
    if program in ("docker", "podman") and (
        "--push" in args or any(a.startswith("--output=type=registry") for a in args)
    ):
        if words[:1] == ["compose"]:
            return [None]
        tags = _flag_values(args, ("-t", "--tag"))
        return list(tags) if tags else [None]
    if program in ("docker", "podman") and words[:2] == ["compose", "push"]:
        return [None]
    if program in ("crane", "skopeo") and words[:1] in (["push"], ["copy"], ["cp"]) and len(words) >= 3:
        return [words[-1].removeprefix("docker://")]
    return []


def _flag_values(args: tuple[str, ...], flags: tuple[str, ...]) -> list[str]:
    out = []
    for index, word in enumerate(args):
        if word in flags and index + 1 < len(args):
            out.append(args[index + 1])
        else:
            for flag in flags:
                if word.startswith(flag + "="):
                    out.append(word[len(flag) + 1 :])
    return out


def _masked(ref: str) -> str:
    """The reference with each `${{ }}` expression reduced to `$X`, so `:` and `/` inside
    expressions do not confuse the split into name and tag."""
    return _EXPRESSION.sub("$X", ref)


def is_mutable_tag(ref: str | None) -> bool:
    """A reference whose tag the next push overwrites (`latest`, `main`, none at all). Computed
    tags (`${{ github.sha }}`, `$VERSION`) are taken to be immutable."""
    if ref is None:
        return False
    masked = _masked(ref)
    parsed = image_ref(masked)
    if parsed.digest:
        return False
    if parsed.tag is None:
        return "$" not in parsed.name.rsplit("/", 1)[-1]
    return "$" not in parsed.tag and parsed.tag.lower() in _MOVING_TAGS


def tag_label(ref: str | None) -> str:
    if ref is None:
        return "?"
    return ref if image_ref(_masked(ref)).tag else f"{ref} (no tag, so latest)"
