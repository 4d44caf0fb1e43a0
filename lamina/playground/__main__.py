"""`python -m lamina.playground`: the playground server, with every option.

    python -m lamina.playground --port 9000 --no-browser
    python -m lamina.playground --allow-origin https://lab.example
"""
from __future__ import annotations

import argparse
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m lamina.playground",
                                     description="The neural-network playground in the browser.")
    parser.add_argument("--port", type=int, default=8000, help="port (8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="also accept pages from ORIGIN (http://host:port), e.g. a "
                             "reverse proxy; repeatable. Any page at ORIGIN can drive the "
                             "playground, so list only sites you trust.")
    args = parser.parse_args(argv)
    from lamina.playground import serve
    from lamina.playground.guard import normalize_origin

    try:
        origins = [normalize_origin(o) for o in args.allow_origin]
    except ValueError as exc:
        parser.error(str(exc))
    serve(host=args.host, port=args.port, open_browser=not args.no_browser,
          allow_origins=origins)


if __name__ == "__main__":
    main()
