"""A page holding the block's real templates and scripts, served with stubbed handlers, for the JS tests.

No workbench and no SCORM Cloud: a small HTTP server on 127.0.0.1 serves pages built from
templates/<view>.html, static/js/common.js and static/js/<view>.js, started with a state and a runtime
whose handler URLs are /handler/<block>/<name>. Each test says what every handler answers (a status
and a JSON body, or a dropped connection for a network failure) and reads back what was asked.
"""
import html
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM

PACKAGE = Path(__file__).resolve().parents[1] / "scorm_cloud_xblock"

#: What a handler answers when the connection is to fail (the browser's fetch rejects: a network failure).
DROP = object()

#: Like tests/browser.py's marks, without its need for the player's assets: these pages have no player.
JS_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("CI") and not CHROMIUM.is_file(),
                       reason=f"Chromium is not installed at {CHROMIUM}"),
]

RUNTIME_JS = """
function harnessRuntime(notes) {
  return {
    handlerUrl: function (element, name) {
      var node = element.jquery ? element[0] : element;
      return '/handler/' + node.getAttribute('data-block') + '/' + name;
    },
    notify: function (name, data) { notes.push([name, data]); }
  };
}
window.notifications = [];
"""

PLAYER_PAGE = ("<!doctype html><title>Player {name}</title><p>Playing {name}</p>"
               "<a class='exit' href='/return-frame'>Exit</a>")


def block_html(view, block, state, **values):
    """One block as the runtime renders it: its template, then its initializer called with the state."""
    body = Template((PACKAGE / "templates" / f"{view}.html").read_text(encoding="utf-8")).substitute(
        {name: html.escape(str(value)) for name, value in values.items()})
    initializer = f"ScormCloud{view.capitalize()}"
    return (f'<div class="xblock" data-block="{html.escape(block)}">{body}</div>\n'
            f"<script>{initializer}(harnessRuntime(window.notifications), "
            f"document.querySelector('[data-block=\"{block}\"]'), {json.dumps(state)});</script>\n")


def page_html(view, blocks):
    """A page of blocks of one view: [(block name, state, template values), ...]."""
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Unit</title>"
            "<link rel='stylesheet' href='/static/css/scorm_cloud.css'>"
            f"<script>{RUNTIME_JS}</script>"
            "<script src='/static/js/common.js'></script>"
            f"<script src='/static/js/{view}.js'></script></head><body>\n"
            + "".join(block_html(view, name, state, **values) for name, state, values in blocks)
            + "</body></html>")


class Harness:
    """The server: pages by path, handler answers by (block, handler), and every handler call received."""

    def __init__(self):
        self.pages = {}
        self.answers = {}
        self.calls = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def add_page(self, path, view, blocks):
        self.pages[path] = page_html(view, blocks)
        return self.url + path

    def answer(self, block, handler, body=None, status=200):
        """What `handler` of `block` answers from now on: a JSON body, or DROP to fail the connection."""
        self.answers[(block, handler)] = (status, body)

    def calls_to(self, block, handler):
        with self.lock:
            return [data for (b, h, data) in self.calls if (b, h) == (block, handler)]

    def _handler_class(self):
        harness = self
        # The block's return page for an embedded player, as the `return` handler answers it.
        from scorm_cloud_xblock.block import FRAME_RETURN_PAGE  # pylint: disable=import-outside-toplevel

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status, content_type, text):
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # pylint: disable=invalid-name
                path = urlsplit(self.path).path
                if path in harness.pages:
                    self._send(200, "text/html; charset=utf-8", harness.pages[path])
                elif path.startswith("/static/") and ".." not in path:
                    file = PACKAGE / path.lstrip("/")
                    kind = {".js": "text/javascript", ".css": "text/css"}.get(file.suffix, "text/plain")
                    if file.is_file():
                        self._send(200, f"{kind}; charset=utf-8", file.read_text(encoding="utf-8"))
                    else:
                        self._send(404, "text/plain", "not found")
                elif path.startswith("/player/"):
                    self._send(200, "text/html; charset=utf-8", PLAYER_PAGE.format(name=html.escape(path[8:])))
                elif path == "/return-frame":
                    self._send(200, "text/html; charset=utf-8", FRAME_RETURN_PAGE)
                else:
                    self._send(404, "text/plain", "not found")

            def do_POST(self):  # pylint: disable=invalid-name
                parts = urlsplit(self.path).path.strip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if len(parts) != 3 or parts[0] != "handler":
                    self._send(404, "text/plain", "not found")
                    return
                _, block, name = parts
                try:
                    data = json.loads(raw or b"{}")
                except ValueError:
                    data = None   # a multipart upload
                with harness.lock:
                    harness.calls.append((block, name, data))
                status, body = harness.answers.get((block, name), (500, {"error": f"No answer for {name}."}))
                if body is DROP:
                    # No response at all: the browser sees a network failure.
                    self.close_connection = True
                    return
                self._send(status, "application/json", json.dumps(body))

        return Handler


@pytest.fixture
def harness():
    server = Harness().start()
    yield server
    server.stop()


def watch_page_errors(page):
    """Uncaught exceptions and unhandled promise rejections of the page, as a list that fills in."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
