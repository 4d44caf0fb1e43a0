"""The `lamina` command: `lamina demo`, `lamina playground`."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from lamina._version import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lamina", description="Lamina: Keras-style deep learning on JAX.")
    parser.add_argument("--version", action="version", version=f"lamina {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="train a small network on scikit-learn's bundled "
                                       "breast-cancer data and plot its learning curve")
    demo.add_argument("--epochs", type=int, default=60, help="maximum epochs (60)")
    demo.add_argument("--output", default="lamina-demo.png",
                      help="where to save the learning-curve PNG (lamina-demo.png)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    play = sub.add_parser("playground", help="the neural-network playground in the browser")
    play.add_argument("--port", type=int, default=8000, help="port (8000)")
    play.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    play.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                      help="also accept pages from this web origin (e.g. "
                           "https://lab.example); repeatable")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lamina.demo import run_demo

        run_demo(output=args.output, epochs=args.epochs, seed=args.seed)
        return 0
    if args.command == "playground":
        from lamina.playground import serve

        serve(host=args.host, port=args.port, open_browser=not args.no_browser,
              allow_origins=args.allow_origin)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
