"""Settings of one emulator instance."""
from dataclasses import dataclass
from pathlib import Path

ERROR_SHAPES = ("message", "error")


@dataclass
class EmulatorConfig:
    """Everything an emulator needs to run; every field has a default so tests override only what matters."""

    data_dir: Path = Path("var/emulator")
    host: str = "127.0.0.1"
    port: int = 8900
    app_id: str = "emulator"
    secret_key: str = "emulator-secret"
    #: GetRegistrations and GetCourses page size; SCORM Cloud does not document its own.
    page_size: int = 100
    #: Seconds an import job stays RUNNING at least, so clients exercise their polling loop.
    import_delay: float = 0.0
    #: Key of the 4xx error body other than 401: the docs say "message", live SCORM Cloud answers "error".
    error_shape: str = "message"
    postback_base_delay: float = 1.0
    postback_max_delay: float = 900.0
    postback_max_attempts: int = 70
    #: Base of launch and preview links; None means the URL the API was called on.
    public_url: str | None = None

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        if self.error_shape not in ERROR_SHAPES:
            raise ValueError(f"error_shape must be one of {ERROR_SHAPES}, not {self.error_shape!r}")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.postback_max_attempts < 1:
            raise ValueError("postback_max_attempts must be at least 1")
        if self.public_url is not None:
            self.public_url = self.public_url.rstrip("/")
