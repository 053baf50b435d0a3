"""A Synapse homeserver on this machine, for trying the bridge, its tests and
its benchmark: :class:`LocalSynapse`.

It writes a minimal ``homeserver.yaml`` into a directory of its own (an
SQLite database, one client listener on 127.0.0.1 at a free port, no
federation, rate limits raised so a test evening is not throttled, public
registration off), starts ``python -m synapse.app.homeserver`` as a child
process and waits, for a bounded time, until the client API answers.
Accounts are made through the shared-secret admin API
(``/_synapse/admin/v1/register``), as ``register_new_matrix_user`` does.

Nothing here imports Synapse: it only needs to be installed in the Python
that runs it (``pip install matrix-synapse``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["LocalSynapse", "free_port"]

_CONFIG = """\
server_name: "{server_name}"
pid_file: "{dir}/homeserver.pid"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
log_config: "{dir}/log.yaml"
media_store_path: "{dir}/media"
max_upload_size: 1M
url_preview_enabled: false
registration_shared_secret: "{secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
signing_key_path: "{dir}/signing.key"
report_stats: false
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence:
  enabled: false
enable_metrics: false
rc_message: {{per_second: 10000, burst_count: 10000}}
rc_registration: {{per_second: 10000, burst_count: 10000}}
rc_login:
  address: {{per_second: 10000, burst_count: 10000}}
  account: {{per_second: 10000, burst_count: 10000}}
  failed_attempts: {{per_second: 10000, burst_count: 10000}}
rc_joins:
  local: {{per_second: 10000, burst_count: 10000}}
  remote: {{per_second: 10000, burst_count: 10000}}
rc_joins_per_room: {{per_second: 10000, burst_count: 10000}}
rc_invites:
  per_room: {{per_second: 10000, burst_count: 10000}}
  per_user: {{per_second: 10000, burst_count: 10000}}
  per_issuer: {{per_second: 10000, burst_count: 10000}}
rc_admin_redaction: {{per_second: 10000, burst_count: 10000}}
rc_room_creation: {{per_second: 10000, burst_count: 10000}}
"""

_LOG = """\
version: 1
formatters:
  plain: {format: "%(asctime)s %(levelname)s %(name)s %(message)s"}
handlers:
  file: {class: logging.FileHandler, filename: "DIR/homeserver.log", formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LocalSynapse:
    """One Synapse process in ``directory``: :meth:`start`, :meth:`register`, :meth:`stop`.

    ``python`` is the interpreter that has ``matrix-synapse`` installed
    (default: this one). The port is chosen free at :meth:`start` and kept
    across a :meth:`restart`, so clients can reconnect to the same URL.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        server_name: str = "localhost",
        python: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.server_name = server_name
        self.python = python or sys.executable
        self.port = 0
        self.secret = secrets.token_hex(16)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The client API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        (d / "media").mkdir(exist_ok=True)
        (d / "log.yaml").write_text(_LOG.replace("DIR", str(d)), encoding="utf-8")
        config = d / "homeserver.yaml"
        config.write_text(
            _CONFIG.format(
                server_name=self.server_name,
                dir=d,
                port=self.port,
                secret=self.secret,
                macaroon=secrets.token_hex(16),
                form=secrets.token_hex(16),
            ),
            encoding="utf-8",
        )
        return config

    def start(self, *, timeout: float = 120.0) -> None:
        """Start the homeserver and wait until it answers (at most ``timeout`` s)."""
        config = self.directory / "homeserver.yaml"
        if not self.port:
            self.port = free_port()
            config = self._write_config()
            subprocess.run(
                [self.python, "-m", "synapse.app.homeserver", "-c", str(config), "--generate-keys"],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        log = (self.directory / "stdout.log").open("ab")
        self._process = subprocess.Popen(
            [self.python, "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.directory,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self.directory / "stdout.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"synapse exited with {self._process.returncode}: {tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"synapse did not answer within {timeout} s")

    def stop(self, *, timeout: float = 30.0) -> None:
        """Stop the homeserver (SIGTERM, then SIGKILL after ``timeout`` s)."""
        p, self._process = self._process, None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=timeout)

    def restart(self, *, down: float = 0.0) -> None:
        """Stop, stay down for ``down`` seconds, start again on the same port."""
        self.stop()
        time.sleep(down)
        self.start()

    def __enter__(self) -> LocalSynapse:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as response:
            return json.loads(response.read())

    def register(self, localpart: str, password: str, *, admin: bool = False) -> dict[str, Any]:
        """Make an account with the shared secret; returns the server's answer
        (``user_id``, ``access_token``, ``device_id``)."""
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    localpart.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        try:
            answer: dict[str, Any] = self._request("POST", "/_synapse/admin/v1/register", body)
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"register {localpart}: {e.code} {e.read()!r}") from None
        return answer

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"
