"""Command-line parsing only: each verb hands its arguments to one function in commands/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from opsmith import __version__

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one clear line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _audit_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("audit", help="audit DevOps artifacts against the rule catalogue")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    p.add_argument("--format", "-f", choices=("text", "json", "sarif", "github"), default="text")
    p.add_argument(
        "--fail-on",
        metavar="LEVEL",
        help="error | warning | info | never (default: warning, or the config's)",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (default: discovered)")
    p.add_argument("--select", metavar="IDS", help="comma-separated rule IDs or prefixes to run")
    p.add_argument("--ignore", metavar="IDS", help="comma-separated rule IDs or prefixes to skip")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    color = p.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_true", default=None)
    color.add_argument("--no-color", dest="color", action="store_false")


def build_parser() -> _Parser:
    parser = _Parser(prog="opsmith", description=__doc__)
    parser.add_argument("--version", action="version", version=f"opsmith {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _audit_args(sub)
    rules = sub.add_parser("rules", help="list every audit rule")
    rules.add_argument("--family", help="only rules of this family (e.g. dockerfile or DF)")
    rules.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text")
    explain = sub.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("rule", metavar="RULE", help="rule ID, e.g. DF001")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "audit":
        from opsmith.commands.audit import run_audit

        return run_audit(args)
    if args.command == "rules":
        from opsmith.commands.rules import list_rules

        return list_rules(args.family, args.format)
    if args.command == "explain":
        from opsmith.commands.explain import explain

        return explain(args.rule)
    parser.print_help(sys.stderr)
    return EXIT_USAGE
