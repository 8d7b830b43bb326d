"""``beiyang bench [NAME …] [--quick]``: run benchmarks, print tables, save var/bench/NAME.json."""

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

BENCHES = {
    "benefits": "beiyang.bench.benefits",
    "events": "beiyang.bench.events",
    "vouchers": "beiyang.bench.vouchers",
    "matching": "beiyang.bench.matching",
    "agent": "beiyang.bench.agent",
    "deliveries": "beiyang.bench.deliveries",
}


class Command(BaseCommand):
    help = "Run the benchmarks / 运行性能基准"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help=f"which: {', '.join(BENCHES)} (default: all)")
        parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")

    def handle(self, *args: Any, names: list[str], quick: bool, **options: Any) -> None:
        unknown = set(names) - set(BENCHES)
        if unknown:
            raise CommandError(
                f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(BENCHES)}"
            )
        for name in names or BENCHES:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name} =="))
            import_module(BENCHES[name]).run(quick=quick, log=self.stdout.write)
