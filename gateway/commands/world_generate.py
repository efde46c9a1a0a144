"""``vemtas world generate --households N --seed S [--as-of DATE] [-o FILE]``: write a generated
mock world file.

YAML goes to standard output, or to FILE; a FILE ending in ``.json`` gets JSON (much faster to
load for large worlds). The same N, S and DATE always give the same bytes. Households are
generated and written one at a time, so even a million-household world needs little memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal

MAX_HOUSEHOLDS = 1_000_000  # the generator's limit (mocks.generate.MAX_HOUSEHOLDS)
EARLIEST_AS_OF = date(2021, 1, 1)


def _household_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_HOUSEHOLDS:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {MAX_HOUSEHOLDS:,}, got {text!r}"
        )
    return count


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _as_of(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from None
    if day < EARLIEST_AS_OF:
        raise argparse.ArgumentTypeError(
            f"must be {EARLIEST_AS_OF.isoformat()} or later (rules before 2021 are not modelled)"
        )
    return day


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None
    parser.add_argument(
        "--households",
        type=_household_count,
        required=True,
        metavar="N",
        help=f"number of families, 1 to {MAX_HOUSEHOLDS:,}",
    )
    parser.add_argument("--seed", type=_seed, required=True, metavar="S", help="any integer")
    parser.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="DATE",
        help="the application date the facts are laid out around (default 2026-11-01)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=None,
        help="write to FILE instead of standard output (.json: JSON, otherwise YAML)",
    )


def run(args: argparse.Namespace) -> int:
    from mocks.generate import DEFAULT_AS_OF, iter_households
    from mocks.world_io import write_world

    households = iter_households(args.households, args.seed, args.as_of or DEFAULT_AS_OF)
    if args.output is None:
        write_world(households, sys.stdout.buffer, fmt="yaml")
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.output)
    fmt: Literal["yaml", "json"] = "json" if target.suffix.lower() == ".json" else "yaml"
    # write beside the target and rename, so that a reader never sees half a world
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            write_world(households, out, fmt=fmt)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    print(f"wrote {args.households:,} households to {target}", file=sys.stderr)
    return 0
