"""Run the emulator on a background thread: what tests and the demo use."""
import threading

from werkzeug.serving import make_server

from .admin import AdminClient
from .app import API_PREFIX, EmulatorApp


class EmulatorServer:
    """``with EmulatorServer(config) as emulator:`` serves on ``config.host``/``config.port`` (0 = any free port)."""

    def __init__(self, config):
        self.config = config
        self.app = None
        self._server = None
        self._thread = None

    def start(self):
        self.app = EmulatorApp(self.config)
        self.app.start()
        try:
            self._server = make_server(self.config.host, self.config.port, self.app, threaded=True)
        except BaseException:
            self.app.close()
            raise
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick, which a test suite starting many emulators needs.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="scorm-cloud-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop accepting connections, then close the app: it lets the requests in flight, import jobs and
        the postback worker finish before it closes the database."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self.app.close()
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._server.server_port

    @property
    def root_url(self):
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_url(self):
        return self.root_url + API_PREFIX

    @property
    def admin(self):
        return AdminClient(self.root_url, self.config.app_id, self.config.secret_key)
