"""A small client for the emulator's /_admin API, for tests that drive progress, faults and postbacks."""
import requests


class AdminError(Exception):
    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class AdminClient:
    def __init__(self, root_url, app_id, secret_key, timeout=30):
        self.root_url = root_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (app_id, secret_key)

    def _call(self, method, path, timeout=None, **kwargs):
        response = self.session.request(method, f"{self.root_url}/_admin{path}",
                                        timeout=timeout or self.timeout, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                message = body.get("message") or body.get("error") or response.text
            except ValueError:
                message = response.text
            raise AdminError(response.status_code, message)
        return response.json() if response.content else None

    def set_progress(self, reg_id, **fields):
        """Set results as a learner would (registrationCompletion, registrationSuccess, score, ...)."""
        return self._call("PUT", f"/registrations/{requests.utils.quote(reg_id, safe='')}/progress", json=fields)

    def inject_faults(self, api=None, postbacks=None):
        body = {}
        if api is not None:
            body["api"] = api
        if postbacks is not None:
            body["postbacks"] = postbacks
        self._call("POST", "/faults", json=body)

    def clear_faults(self):
        self._call("DELETE", "/faults")

    def postbacks(self):
        return self._call("GET", "/postbacks")

    def stats(self):
        return self._call("GET", "/stats")

    def reset_stats(self):
        self._call("DELETE", "/stats")

    def flush_postbacks(self, timeout=10):
        """Wait until every queued postback has been delivered or given up on."""
        self._call("POST", "/postbacks/flush", params={"timeout": timeout}, timeout=timeout + 5)
