"""`vemtas` command line. Each subcommand lives in `gateway/commands/<name>.py` and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Command modules import heavy packages inside
``run`` so that `vemtas assess` starts without loading the web stack."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command words -> module under gateway.commands
COMMANDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("serve",): ("serve", "the gateway (ASGI, uvicorn)"),
    ("mocks", "serve"): ("mocks_serve", "every mock agency in one server"),
    ("world", "generate"): ("world_generate", "write a generated world file"),
    ("schema",): ("schema", "print the SDL"),
    ("assess",): ("assess", "run the means test on one household of a world file"),
    ("token",): ("token", "print a development access token"),
    ("worker",): ("worker", "the background worker"),
    ("db", "upgrade"): ("db_upgrade", "database migrations"),
    ("audit", "verify"): ("audit_verify", "check the audit log's hash chain"),
    ("outbox",): ("outbox", "dead-lettered outbox items: list them, requeue them"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vemtas", description=__doc__.split("\n")[0])
    top = parser.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for words, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(f"gateway.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"gateway.commands.{module_name}":
                raise
            continue  # not built yet
        if len(words) == 1:
            sub = top.add_parser(words[0], help=help_text)
        else:
            if words[0] not in groups:
                group_parser = top.add_parser(words[0])
                groups[words[0]] = group_parser.add_subparsers(dest="subcommand", required=True)
            sub = groups[words[0]].add_parser(words[1], help=help_text)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args._run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
