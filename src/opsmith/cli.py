"""Command-line parsing only: each verb hands its arguments to one function in commands/."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from opsmith import __version__, exit_codes
from opsmith.cli_deploy import DEPLOY_VERBS, add_deploy_verbs, run_deploy_verb
from opsmith.commands.completion import SHELLS

_DEBUG_HELP = "on an internal error, show the traceback"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one clear line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(exit_codes.USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _audit_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("audit", help="audit DevOps artifacts against the rule catalogue")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    p.add_argument("--format", "-f", choices=("text", "json", "sarif", "github", "html"), default="text")
    p.add_argument(
        "--fail-on",
        metavar="LEVEL",
        help="error | warning | info | never (default: warning, or the config's)",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (default: discovered)")
    p.add_argument("--select", metavar="IDS", help="comma-separated rule IDs or prefixes to run")
    p.add_argument("--ignore", metavar="IDS", help="comma-separated rule IDs or prefixes to skip")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="hide the findings this baseline accepts: only new ones are reported and fail",
    )
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="record every current finding in the --baseline FILE (then exit 0)",
    )
    fixing = p.add_mutually_exclusive_group()
    fixing.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe automatic fixes (each checked by auditing the file again), then report",
    )
    fixing.add_argument("--diff", action="store_true", help="print the diff --fix would apply; write nothing")
    p.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff, also apply fixes that change behaviour (such as an alert's `for:`)",
    )
    p.add_argument(
        "--terraform-fmt",
        action="store_true",
        help="also report .tf files `terraform fmt` would change (TF013; needs terraform on PATH)",
    )
    color = p.add_mutually_exclusive_group()
    color.add_argument(
        "--color", dest="color", action="store_true", default=None, help="colour the text report"
    )
    color.add_argument(
        "--no-color",
        dest="color",
        action="store_false",
        help="no colour (the default when the output is not a terminal, or NO_COLOR is set)",
    )


_DESCRIPTION = """\
A DevOps engineer for your repository: it designs the infrastructure from your scale, generates
containers, CI/CD, Kubernetes and Terraform, and audits every DevOps artifact.

Start with `opsmith init` (design -> approve -> generate -> audit, stopping at each gate), or run
`opsmith audit` on an existing repository."""
_PATH_HELP = "the repository (default: the current folder)"


def build_parser() -> _Parser:
    parser = _Parser(
        prog="opsmith", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"opsmith {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # Listed in the order of the work: init does the next four in one go.
    _init_args(sub)
    _design_args(sub)
    _audit_args(sub)
    _verify_args(sub)
    rules = sub.add_parser("rules", help="list every audit rule")
    rules.add_argument("--family", help="only rules of this family (e.g. dockerfile or DF)")
    rules.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text")
    explain = sub.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("rule", metavar="RULE", help="rule ID, e.g. DF001")
    _mcp_args(sub)
    add_deploy_verbs(sub)
    completion = sub.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    for verb in sub.choices.values():  # also after the verb; SUPPRESS keeps one given before it
        verb.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


def _users(text: str) -> int:
    from opsmith.commands.design import parse_users  # only when --users is given: audit stays light

    try:
        return parse_users(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more: {text!r}")
    return int(text)


def _scale_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--users", type=_users, metavar="N", help="expected users (5000, 100k, 1m)")
    p.add_argument("--regions", type=_positive, metavar="N", help="regions to serve from (default 1)")
    p.add_argument("--compliance", choices=("none", "hipaa", "pci", "soc2", "gdpr"))
    p.add_argument("--cloud", choices=("aws", "gcp", "azure", "fly", "railway"))
    p.add_argument("--name", help="application name (default: the repository's)")


def _generate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k8s", action="store_true", help="Kubernetes manifests even below the growth tier")
    p.add_argument(
        "--pin-digests",
        metavar="FILE",
        help="pin base images by digest: JSON {image: digest} or `image sha256:...` lines",
    )


def _verify_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    verify = sub.add_parser("verify", help="gate 3: check that monitoring covers every critical service")
    what = verify.add_subparsers(dest="verify", metavar="WHAT", parser_class=_Parser, required=True)
    monitoring = what.add_parser("monitoring", help="scrape jobs, alerts, dashboards, runbooks and routes")
    monitoring.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    monitoring.add_argument("--format", "-f", choices=("text", "json"), default="text")
    monitoring.add_argument("--config", metavar="FILE", help="configuration file (default: discovered)")
    monitoring.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)


def _mcp_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    mcp = sub.add_parser("mcp", help="serve opsmith's verbs to coding agents (Model Context Protocol)")
    mcp.add_argument(
        "--http",
        metavar="HOST:PORT",
        help="streamable HTTP on HOST:PORT, e.g. 127.0.0.1:8765 (default: stdio)",
    )
    mcp.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --http listen beyond loopback (the server asks no credentials)",
    )


def _init_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    init = sub.add_parser("init", help="analyze, design, approve, generate and audit, gate by gate")
    init.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    _scale_flags(init)
    _generate_flags(init)
    init.add_argument("--yes", action="store_true", help="approve the design without asking (logged)")
    init.add_argument(
        "--force", action="store_true", help="replace an existing opsmith.yaml that differs from these inputs"
    )


def _design_args(sub: argparse._SubParsersAction[_Parser]) -> None:
    analyze = sub.add_parser("analyze", help="what the repository is made of, with evidence")
    analyze.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    analyze.add_argument("--format", "-f", choices=("text", "json"), default="text")
    design = sub.add_parser("design", help="design the infrastructure (opsmith.yaml, docs/infrastructure.md)")
    design.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    _scale_flags(design)
    design.add_argument("--force", action="store_true", help="replace an existing opsmith.yaml that differs")
    approve = sub.add_parser("approve", help="gate 1: approve the design as it is now")
    approve.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    approve.add_argument("--by", metavar="NAME", help="who approves (default: git config user.name/email)")
    generate = sub.add_parser("generate", help="write the approved design's artifacts (needs gate 1)")
    generate.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    _generate_flags(generate)
    generate.add_argument("--dry-run", action="store_true", help="write nothing, show every diff")
    generate.add_argument("--force", action="store_true", help="overwrite files you changed")


def _scale(args: argparse.Namespace) -> dict[str, Any]:
    """The answers `_scale_flags` collects, as keyword arguments."""
    return {key: getattr(args, key) for key in ("users", "regions", "compliance", "cloud", "name")}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except BrokenPipeError:
        # the reader went away (`opsmith rules | head`): not a bug, and nothing more can be shown
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_codes.USAGE
    except Exception as exc:
        from opsmith.commands.errors import internal_error

        return internal_error(_subject(args), [exc], debug=args.debug)


def _subject(args: argparse.Namespace) -> str:
    """What a verb was working on, for the one line an internal error prints."""
    paths = getattr(args, "paths", None) or ([args.path] if hasattr(args, "path") else [])
    return f"`opsmith {args.command}`" + (f" on {', '.join(paths)}" if paths else "")


def _run(parser: _Parser, args: argparse.Namespace) -> int:
    if args.command == "audit":
        from opsmith.commands.audit import run_audit

        return run_audit(args)
    if args.command == "rules":
        from opsmith.commands.rules import list_rules

        return list_rules(args.family, args.format)
    if args.command == "explain":
        from opsmith.commands.explain import explain

        return explain(args.rule)
    if args.command == "analyze":
        from opsmith.commands.analyze import run_analyze

        return run_analyze(args.path, args.format)
    if args.command == "design":
        from opsmith.commands.design import run_design

        return run_design(args.path, force=args.force, **_scale(args))
    if args.command == "generate":
        from opsmith.commands.generate import run_generate

        return run_generate(
            args.path, force=args.force, dry_run=args.dry_run, k8s=args.k8s, pin_digests=args.pin_digests
        )
    if args.command == "init":
        from opsmith.commands.init import run_init

        return run_init(
            args.path,
            yes=args.yes,
            force=args.force,
            k8s=args.k8s,
            pin_digests=args.pin_digests,
            debug=args.debug,
            **_scale(args),
        )
    if args.command == "verify":
        from opsmith.commands.verify import run_verify_monitoring

        return run_verify_monitoring(args.path, args.format, args.config)
    if args.command == "mcp":
        from opsmith.mcp import run  # the SDK loads only here: audit stays light

        return run(args.http, allow_remote=args.allow_remote)
    if args.command in DEPLOY_VERBS:
        return run_deploy_verb(args)
    if args.command == "completion":
        from opsmith.commands.completion import run_completion

        return run_completion(parser, args.shell)
    if args.command == "approve":
        from opsmith.commands.approve import run_approve

        return run_approve(args.path, args.by)
    parser.print_help(sys.stderr)
    return exit_codes.USAGE
