"""The ``beiyang`` command: Beiyang's own subcommands plus every Django management command.

``beiyang run`` serves the portal and API with a job worker, ``beiyang demo`` loads demo
data, ``beiyang createstaff``, ``beiyang benefits``, ``beiyang bench``…; ``beiyang migrate``
and the rest pass through to Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["beiyang", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
