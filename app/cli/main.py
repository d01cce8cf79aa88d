"""The ``tessera`` entry point.

With no subcommand it opens the desktop app; with one it runs that command
and never imports Qt. Command modules register their parsers and import
their heavy dependencies only when run, so ``tessera --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from app import __version__

COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.commands.vault",
    "app.cli.commands.identity",
    "app.cli.commands.crypto",
    "app.cli.commands.dataset",
    "app.cli.commands.consent",
    "app.cli.commands.submission",
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
_TRAILING_FLAGS = frozenset({"--json", "--debug"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tessera",
        description=(
            "Tessera: prepare, encrypt, sign and submit your contributions to AI systems. "
            "Run without a command to open the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"tessera {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="profile folder (default: TESSERA_DATA_DIR or the user data folder)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # pragma: no cover - a module not built yet
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(args_list)
    # --json and --debug belong before the command, but people type them at the end too.
    for flag in rest:
        if flag not in _TRAILING_FLAGS:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        setattr(args, flag.removeprefix("--"), True)

    from app import paths

    if args.data_dir:
        paths.set_data_dir(args.data_dir)

    handler = getattr(args, "handler", None)
    if handler is None:
        if args.command is not None:
            parser.parse_args([*args_list, "--help"])
        return _run_gui(args_list)

    from app.cli.context import CliContext, report_error

    ctx = CliContext(json_output=args.json, debug=args.debug)
    try:
        return int(handler(ctx, args))
    except KeyboardInterrupt:
        print("tessera: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``tessera ... | head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:
        return report_error(ctx, exc)
    finally:
        ctx.close()


def _run_gui(argv: list[str]) -> int:
    from app.ui.app import run_gui

    return run_gui([sys.argv[0] if sys.argv else "tessera", *argv])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
