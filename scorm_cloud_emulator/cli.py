"""``scorm-cloud-emulator``: serve a local SCORM Cloud API v2 until interrupted."""
import argparse
import signal
import threading

from .config import EmulatorConfig
from .server import EmulatorServer


def parse_args(argv=None):
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(prog="scorm-cloud-emulator", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    parser.add_argument("--data-dir", default=str(defaults.data_dir), help="where state and packages live")
    parser.add_argument("--app-id", default=defaults.app_id)
    parser.add_argument("--secret-key", default=defaults.secret_key)
    parser.add_argument("--page-size", type=int, default=defaults.page_size)
    parser.add_argument("--import-delay", type=float, default=defaults.import_delay)
    parser.add_argument("--error-shape", choices=("message", "error"), default=defaults.error_shape)
    parser.add_argument("--public-url", default=None, help="base URL of launch links, if not the API's host")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = EmulatorConfig(data_dir=args.data_dir, host=args.host, port=args.port, app_id=args.app_id,
                            secret_key=args.secret_key, page_size=args.page_size,
                            import_delay=args.import_delay, error_shape=args.error_shape,
                            public_url=args.public_url)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with EmulatorServer(config) as emulator:
        print(emulator.api_url, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
