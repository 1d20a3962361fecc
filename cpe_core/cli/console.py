"""The ``cpe`` console script: a CSV export runs without the Flask app
(:mod:`cpe_core.cli.quick_export`); every other command is the Flask command line of
:mod:`cpe_core.cli.commands`, imported only then."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(args: Sequence[str] | None = None, prog_name: str = "cpe") -> None:
    """Run ``cpe`` with ``args`` (default: the command line's); exits as click does."""
    from_command_line = args is None
    args = list(sys.argv[1:] if args is None else args)
    from . import quick_export

    if quick_export.handles(args):
        try:
            quick_export.run(args, prog_name=prog_name)
        except quick_export.NeedsTheApp:
            pass  # rows made by a plugin's Python code: the full command below
        except SystemExit as exit:
            if not from_command_line:
                raise
            _leave_now(exit.code)
        else:
            return
    from .commands import main as full

    full(args, prog_name=prog_name)


def _leave_now(code: int | str | None) -> None:
    """End the process without the interpreter's teardown of SQLAlchemy's and psycopg's modules,
    which took about 0.1 s, a tenth of a 100,000-row export (issue 8). The export has closed its
    file and its connections by then; only the standard streams still need flushing."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say there
            pass
    os._exit(code or 0)
