"""The arguments of the deploy verbs (deploy, rollback, status, history), kept out of cli.py so
that it stays a table of verbs. Parsing only: each verb calls one function in commands/."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

DEPLOY_VERBS = ("deploy", "rollback", "status", "history")
_PATH_HELP = "the folder holding the approved design and compose.yaml (default: .)"


class _SubParsers(Protocol):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def _typed(parse: Any) -> Any:
    """An argparse type from a parser raising ValueError: a bad value is one line, exit 2."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def add_deploy_verbs(sub: _SubParsers) -> None:
    from opsmith.deploy.flags import parse_image, parse_listen, parse_tag

    deploy = sub.add_parser("deploy", help="deploy a release with zero downtime, rolled back on bad metrics")
    deploy.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    deploy.add_argument(
        "--image-tag", type=_typed(parse_tag), metavar="TAG", help="the images' tag (the commit SHA)"
    )
    deploy.add_argument(
        "--service", action="append", default=[], metavar="NAME", help="only this service (repeatable)"
    )
    deploy.add_argument(
        "--strategy", choices=("rolling", "blue-green", "canary"), help="default: the design's"
    )
    _common(deploy)
    deploy.add_argument("--resume", action="store_true", help="finish the deploy a stopped controller left")
    deploy.add_argument("--dry-run", action="store_true", help="show the steps; change nothing")
    deploy.add_argument(
        "--image",
        action="append",
        default=[],
        type=_typed(parse_image),
        metavar="SERVICE=REF",
        help="deploy this image for SERVICE instead of the design's registry image (repeatable)",
    )
    deploy.add_argument(
        "--listen",
        action="append",
        default=[],
        type=_typed(parse_listen),
        metavar="SERVICE=HOST:PORT",
        help="where HAProxy serves SERVICE (default: the design's port on every address; repeatable)",
    )
    deploy.add_argument(
        "--allow-unsafe-migrations", action="store_true", help="deploy despite MG errors (recorded)"
    )
    # the detached process that retires warm releases after their window (deploy/retire.py)
    deploy.add_argument("--retire-warm", action="store_true", help=argparse.SUPPRESS)
    deploy.add_argument(
        "--allow-no-traffic",
        action="store_true",
        help="promote a release whose analysis saw no traffic (recorded; default: it fails)",
    )
    rollback = sub.add_parser("rollback", help="back to the previous good release (instant while it is warm)")
    rollback.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
    rollback.add_argument("--service", action="append", default=[], metavar="NAME", help="only this service")
    rollback.add_argument("--to", metavar="RELEASE", help="this release (see `opsmith history`)")
    _common(rollback)
    for verb, what in (("status", "what serves each service now"), ("history", "every deploy and its steps")):
        p = sub.add_parser(verb, help=what)
        p.add_argument("path", nargs="?", default=".", metavar="PATH", help=_PATH_HELP)
        p.add_argument("--format", "-f", choices=("text", "json"), default="text")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--environment", metavar="NAME", help="default: the one the host was set up for, else production"
    )
    p.add_argument(
        "--runtime", choices=("docker", "podman"), help="container runtime (default: docker if installed)"
    )
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="json: one event a line")


def run_deploy_verb(args: argparse.Namespace) -> int:
    if args.command == "deploy":
        from opsmith.commands.deploy import run_deploy

        return run_deploy(args)
    if args.command == "rollback":
        from opsmith.commands.deploy import run_rollback

        return run_rollback(args)
    from opsmith.commands.deploy_status import run_history, run_status

    run = run_status if args.command == "status" else run_history
    return run(args.path, args.format)
