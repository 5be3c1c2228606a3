"""
The LMS's third-party handler route over real HTTP, so that what SCORM Cloud itself does with a
postback (its body and credentials, its retries after a refusal, its reading of the status) meets the
block exactly as edx-platform would serve it.

Only the route ``xblock_handler_noauth`` is served:
``/courses/<course_key>/xblock/<usage_key>/handler_noauth/<handler>[/<suffix>]``, through the test
runtime's noauth view (``OpenEdxTestRuntime.handle_noauth``). As in the LMS, the path is decoded
before it is matched, the usage key is mapped into the URL's course (``_invoke_xblock_handler``), and
an unknown URL, course or block is a 404.
"""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey, UsageKey


NOAUTH_ROUTE = re.compile(r"^/courses/(?P<course_key>[^/]+)/xblock/(?P<usage_key>[^/]+)"
                          r"/handler_noauth/(?P<handler>[^/]+)(?:/(?P<suffix>.*))?$")
# What the noauth view reads from a request, and what it answers with.
REQUEST_HEADERS = ("Content-Type", "Authorization")
# Set by the server itself, not copied from the handler's answer.
SERVER_HEADERS = ("content-length", "connection", "date", "server")


def unquote_slashes(text):
    """The LMS's ``unquote_slashes``: the inverse of ``quote_slashes`` (";_" is "/", ";;" is ";")."""
    return re.sub(r";([;_])", lambda match: ";" if match.group(1) == ";" else "/", text)


class LmsHttpServer:
    """
    The site at ``site_name`` (loopback, a free port). Give the runtime this ``site_name`` so the
    third-party URLs the block hands to SCORM Cloud point here, then set ``runtime``.

    An exception raised by a request (a harness error: a block misusing the platform) cannot fail the
    test from the server's thread: it is answered 500 and kept in ``errors``, which tests check.
    """

    def __init__(self):
        self.runtime = None
        self.errors = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                site.serve(self)

            do_HEAD = do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.site_name = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, exchange):
        url = urlsplit(exchange.path)
        route = NOAUTH_ROUTE.match(unquote(url.path))
        length = int(exchange.headers.get("Content-Length") or 0)
        body = exchange.rfile.read(length)
        usage_key = self._usage_key(route) if route and self.runtime else None
        if usage_key is None:
            self._answer(exchange, 404, {"Content-Type": "text/plain"}, b"Not Found")
            return
        headers = {name: exchange.headers[name] for name in REQUEST_HEADERS if exchange.headers.get(name)}
        try:
            response = self.runtime.handle_noauth(
                usage_key, route["handler"], method=exchange.command, body=body, headers=headers,
                suffix=route["suffix"] or "", query=url.query or None)
        except Exception as error:  # pylint: disable=broad-except
            # A harness error (a block misusing the platform) or a fault of the harness itself: the
            # test must see it, and SCORM Cloud gets what Django gives for an unhandled error.
            self.errors.append(error)
            self._answer(exchange, 500, {"Content-Type": "text/plain"}, b"Internal Server Error")
            return
        answer_headers = {name: value for name, value in response.headers.items()
                          if name.lower() not in SERVER_HEADERS}
        self._answer(exchange, response.status_code, answer_headers, response.body)

    @staticmethod
    def _usage_key(route):
        """The usage key of the URL mapped into its course, or None where the LMS answers 404."""
        try:
            course_key = CourseKey.from_string(route["course_key"])
            return UsageKey.from_string(unquote_slashes(route["usage_key"])).map_into_course(course_key)
        except InvalidKeyError:
            return None

    @staticmethod
    def _answer(exchange, status, headers, body):
        exchange.send_response(status)
        for name, value in headers.items():
            exchange.send_header(name, value)
        exchange.send_header("Content-Length", str(len(body)))
        exchange.end_headers()
        if exchange.command != "HEAD":
            exchange.wfile.write(body)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
