"""Runs every benchmark and writes `bench/results.md` (also printed)."""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

MODULES = ("assessment", "gateway", "upstream", "load", "applications")


def main(argv: list[str]) -> int:
    chosen = argv or list(MODULES)
    lines = [
        "# Benchmark results",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    for name in chosen:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        section = module.main()
        lines += [*section, ""]
        print("\n".join(section), flush=True)
    Path(__file__).with_name("results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
