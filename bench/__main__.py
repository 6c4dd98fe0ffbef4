"""Run the benchmarks: ``python -m bench [NAME ...]`` (all by default)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable

import bench
from bench.common import report


def _all() -> dict[str, Callable[[], list[tuple[str, str, str]]]]:
    found: dict[str, Callable[[], list[tuple[str, str, str]]]] = {}
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found.update(getattr(module, "BENCHMARKS", {}))
    return found


def main() -> None:
    """Run the named benchmarks and print (what, measured, budget) rows."""
    benchmarks = _all()
    parser = argparse.ArgumentParser(description="kubetraffic benchmarks")
    parser.add_argument("names", nargs="*", choices=[[], *sorted(benchmarks)], help="benchmarks to run (default: all)")
    args = parser.parse_args()
    for name in args.names or sorted(benchmarks):
        print(name)
        report(benchmarks[name]())


main()
