"""Print docs/operations.md's ``sh`` blocks as one bash script, in order, each preceded by
``smoke_before "<section>"`` and followed by ``smoke_after "<section>"`` (hooks smoke.sh defines)."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path


def blocks(text: str) -> list[tuple[str, str]]:
    found, section, code = [], "", None
    for line in text.splitlines():
        if code is None and line.startswith("#"):
            section = line.lstrip("#").strip()
        elif code is None and re.fullmatch(r"```sh\s*", line):
            code = []
        elif code is not None and line.startswith("```"):
            found.append((section, "\n".join(code)))
            code = None
        elif code is not None:
            code.append(line)
    return found


def main() -> None:
    guide = Path(sys.argv[1]).read_text(encoding="utf-8")
    print("set -euo pipefail")
    for section, code in blocks(guide):
        print(f"smoke_before {shlex.quote(section)}")
        print(code)
        print(f"smoke_after {shlex.quote(section)}")


if __name__ == "__main__":
    main()
