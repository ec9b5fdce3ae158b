"""A static HTTP server with byte-range support for a browser bundle (igv.js reads bigWig, bigBed and the
bgzipped FASTA by HTTP Range requests, which ``python -m http.server`` does not answer).

    seq2track serve results/demo/browser [--port 8000]      then open http://127.0.0.1:8000/index.html

``serve(root, port, port_file, extra)`` listens on 127.0.0.1 (port 0: a free one, written to ``port_file``
once listening); ``extra`` maps URL paths to files outside ``root`` (the tests serve the pinned
igv.min.js this way).
"""

import os
import re
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeHandler(SimpleHTTPRequestHandler):
    extra: dict[str, str] = {}

    def translate_path(self, path: str) -> str:
        return self.extra.get(path.split("?", 1)[0]) or super().translate_path(path)

    def send_head(self):
        match = RANGE.match(self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not match or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        start = int(first) if first else max(0, size - int(last))
        end = min(size - 1, int(last)) if first and last else size - 1
        if start >= size:
            self.send_error(416, "Requested Range Not Satisfiable")
            return None
        fh = open(path, "rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return fh

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(remaining))
        self._remaining = None

    def log_message(self, *args) -> None:
        pass


def serve(root: str, port: int = 0, port_file: str | None = None, extra: dict[str, str] | None = None) -> None:
    RangeHandler.extra = dict(extra or {})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(RangeHandler, directory=root))
    if port_file:
        tmp = Path(port_file + ".tmp")
        tmp.write_text(str(server.server_address[1]))
        tmp.rename(port_file)
    print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}/index.html (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":  # python -m seq2track.browser.serve ROOT PORT_FILE [URL_PATH=FILE ...]
    serve(sys.argv[1], 0, sys.argv[2], dict(m.split("=", 1) for m in sys.argv[3:]))
