"""Serves the Markdown files of one directory as HTML pages.

GET / lists the notes; GET /NAME.md renders one. Stand-in for the notebook
server of the seed's derived-builder example.
"""
import argparse
import html
import http.server
import pathlib
import signal
import sys

import markdown


def make_handler(notes: pathlib.Path):
    class Handler(http.server.BaseHTTPRequestHandler):
        def send_page(self, status: int, title: str, body: str) -> None:
            page = (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
                    f"<body>{body}</body></html>").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            if name == "":
                items = "".join(f'<li><a href="/{html.escape(p.name)}">{html.escape(p.stem)}</a></li>'
                                for p in sorted(notes.glob("*.md")))
                self.send_page(200, "Notes", f"<h1>Notes</h1><ul>{items}</ul>")
                return
            path = notes / name
            if "/" in name or not name.endswith(".md") or not path.is_file():
                self.send_page(404, "Not found", "<h1>Not found</h1>")
                return
            self.send_page(200, path.stem, markdown.markdown(path.read_text()))

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--notes", type=pathlib.Path, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("0.0.0.0", args.port), make_handler(args.notes))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"markdown viewer: serving {args.notes} on port {args.port}", flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
