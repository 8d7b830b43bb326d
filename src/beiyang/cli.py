"""The ``beiyang`` command: Beiyang's own subcommands plus every Django management command.

``beiyang run`` serves the portal and API with a job worker, ``beiyang demo`` loads demo
data, ``beiyang createstaff``, ``beiyang bench``…; ``beiyang migrate`` and the rest pass
through to Django. ``beiyang benefits`` runs the benefits engine alone, before Django is
imported (``policies/cli.py``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["benefits"]:
        # The pure engine on the published pack: no settings, no app registry, no system checks.
        from beiyang.policies.cli import main as benefits

        sys.exit(benefits(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["beiyang", *args])


if __name__ == "__main__":
    main()
