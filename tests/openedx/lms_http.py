"""
The LMS's third-party handler route over real HTTP, so that what SCORM Cloud itself does with a
postback (its body and credentials, its retries after a refusal, its reading of the status) meets the
block exactly as edx-platform would serve it.

Only the route ``xblock_handler_noauth`` is served:
``/courses/<course_key>/xblock/<usage_key>/handler_noauth/<handler>[/<suffix>]``, through the test
runtime's noauth view (``OpenEdxTestRuntime.handle_noauth``). Anything else is a 404, as an unknown
URL is in the LMS.
"""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .field_data import HarnessError

NOAUTH_ROUTE = re.compile(r"^/courses/(?P<course_key>[^/]+)/xblock/(?P<usage_key>[^/]+)"
                          r"/handler_noauth/(?P<handler>[^/]+)(?:/(?P<suffix>.*))?$")
# What the noauth view reads from a request, and what it answers with.
REQUEST_HEADERS = ("Content-Type", "Authorization")
RESPONSE_HEADERS = ("Content-Type", "Location", "Allow", "Cache-Control")


def unquote_slashes(text):
    """The LMS's ``unquote_slashes``: the inverse of ``quote_slashes`` (";_" is "/", ";;" is ";")."""
    return re.sub(r";([;_])", lambda match: ";" if match.group(1) == ";" else "/", text)


class LmsHttpServer:
    """
    The site at ``site_name`` (loopback, a free port). Give the runtime this ``site_name`` so the
    third-party URLs the block hands to SCORM Cloud point here, then set ``runtime``.

    A harness error raised by a request (a block misusing the platform) cannot fail the test from the
    server's thread: it is answered 500 and kept in ``errors``, which tests check.
    """

    def __init__(self):
        self.runtime = None
        self.errors = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                site.serve(self)

            do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.site_name = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, exchange):
        url = urlsplit(exchange.path)
        route = NOAUTH_ROUTE.match(url.path)
        length = int(exchange.headers.get("Content-Length") or 0)
        body = exchange.rfile.read(length)
        if route is None or self.runtime is None:
            self._answer(exchange, 404, {"Content-Type": "text/plain"}, b"Not Found")
            return
        headers = {name: exchange.headers[name] for name in REQUEST_HEADERS if exchange.headers.get(name)}
        try:
            response = self.runtime.handle_noauth(
                unquote_slashes(unquote(route["usage_key"])), route["handler"], method=exchange.command,
                body=body, headers=headers, suffix=unquote(route["suffix"] or ""), query=url.query or None)
        except HarnessError as error:
            self.errors.append(error)
            self._answer(exchange, 500, {"Content-Type": "text/plain"}, b"Internal Server Error")
            return
        answer_headers = {name: response.headers[name] for name in RESPONSE_HEADERS if name in response.headers}
        self._answer(exchange, response.status_code, answer_headers, response.body)

    @staticmethod
    def _answer(exchange, status, headers, body):
        exchange.send_response(status)
        for name, value in headers.items():
            exchange.send_header(name, value)
        exchange.send_header("Content-Length", str(len(body)))
        exchange.end_headers()
        exchange.wfile.write(body)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
