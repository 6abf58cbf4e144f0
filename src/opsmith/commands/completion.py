"""`opsmith completion bash|zsh|fish`: a completion script written from the argument parser itself,
so a verb or option added to the CLI is completed without editing a script by hand.

zsh runs the bash script through `bashcompinit`; fish gets its own `complete` lines.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")
_PLAIN = re.compile(r"[\w.:/@+-]+")


@dataclass
class Command:
    """One level of the command line: its options and the verbs below it."""

    path: str  # "" for opsmith itself, "verify monitoring" for a nested verb
    options: list[argparse.Action] = field(default_factory=list)
    verbs: dict[str, str] = field(default_factory=dict)  # name -> help


def commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[Command]:
    command = Command(path)
    nested: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                command.verbs[name] = helps.get(name, "")
                nested.append((name, sub))
        elif action.option_strings and action.help is not argparse.SUPPRESS:
            command.options.append(action)
    yield command
    for name, sub in nested:
        yield from commands(sub, f"{path} {name}".strip())


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def _choices(action: argparse.Action) -> str:
    """The option's choices as words (only plain ones: the scripts quote nothing else)."""
    return " ".join(str(v) for v in action.choices or () if _PLAIN.fullmatch(str(v)))


def bash_script(parser: argparse.ArgumentParser) -> str:
    every = list(commands(parser))
    verbs = "".join(f'    "{c.path}") echo "{" ".join(c.verbs)}" ;;\n' for c in every if c.verbs)
    options = "".join(
        f'    "{c.path}") echo "{" ".join(s for a in c.options for s in a.option_strings)}" ;;\n'
        for c in every
    )
    choices = "".join(
        f'    "{c.path}|{flag}") echo "{_choices(action)}" ;;\n'
        for c in every
        for action in c.options
        if action.choices
        for flag in action.option_strings
    )
    return f"""# opsmith completion for bash: `source <(opsmith completion bash)`
_opsmith_verbs() {{
  case "$1" in
{verbs}  esac
}}
_opsmith_options() {{
  case "$1" in
{options}  esac
}}
_opsmith_choices() {{
  case "$1|$2" in
{choices}  esac
}}
_opsmith() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path="" i found
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ " $(_opsmith_verbs "$path") " == *" ${{COMP_WORDS[i]}} "* ]]; then
      path=${{path:+$path }}${{COMP_WORDS[i]}}
    fi
  done
  found=$(_opsmith_choices "$path" "$prev")
  if [[ -n $found ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$found" -- "$cur")
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_opsmith_options "$path")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_opsmith_verbs "$path")" -- "$cur")
  fi
}}
complete -o default -F _opsmith opsmith
"""


def zsh_script(parser: argparse.ArgumentParser) -> str:
    return (
        "# opsmith completion for zsh: `source <(opsmith completion zsh)` in ~/.zshrc\n"
        "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(parser).split("\n", 1)[1]
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_script(parser: argparse.ArgumentParser) -> str:
    lines = [
        "# opsmith completion for fish: `opsmith completion fish > ~/.config/fish/completions/opsmith.fish`"
    ]
    for command in commands(parser):
        words = command.path.split()
        inside = _fish_quote(f"__fish_seen_subcommand_from {words[-1]}" if words else "__fish_use_subcommand")
        # A nested verb is offered until one of its siblings is on the line.
        below = " ".join(command.verbs)
        offer = (
            _fish_quote(f"{inside[1:-1]}; and not __fish_seen_subcommand_from {below}") if words else inside
        )
        for verb, help_text in command.verbs.items():
            lines.append(f"complete -c opsmith -f -n {offer} -a {verb} -d {_fish_quote(help_text)}")
        for action in command.options:
            flags = " ".join(
                f"-l {s[2:]}" if s.startswith("--") else f"-s {s[1:]}" for s in action.option_strings
            )
            values = ""
            if action.choices:
                values = " -x -a " + _fish_quote(_choices(action))
            elif _takes_value(action):
                values = " -r"
            lines.append(
                f"complete -c opsmith -n {inside} {flags}{values} -d {_fish_quote(action.help or '')}"
            )
    return "\n".join(lines) + "\n"


def run_completion(parser: argparse.ArgumentParser, shell: str) -> int:
    script = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[shell](parser)
    sys.stdout.write(script)
    return 0
