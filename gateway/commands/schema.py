"""`vemtas schema`: print the SDL of the federated subgraph."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--production", action="store_true", help="the schema as `prod` serves it")


def run(args: argparse.Namespace) -> int:
    from schema.schema import build_schema

    print(build_schema(production=args.production).as_str())
    return 0
