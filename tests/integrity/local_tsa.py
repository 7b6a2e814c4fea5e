"""A throwaway RFC 3161 timestamp authority on 127.0.0.1 for tests: OpenSSL does the signing.

``make_pki`` creates a CA and a TSA certificate (``extendedKeyUsage = critical,timeStamping``) and an
``openssl ts`` config; ``serve`` answers POSTed timestamp queries with ``openssl ts -reply``. The reply
carries only the signer certificate: rfc3161-client rejects OpenSSL's unsorted SET OF certificates
when the CA chain is included.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TSA_CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

TSA_EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""


@dataclass(frozen=True)
class Pki:
    dir: Path
    ca_cert: Path
    tsa_cert: Path
    config: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(dir: Path, name: str) -> tuple[Path, Path]:
    key, cert = dir / f"{name}.key", dir / f"{name}.crt"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
        "-days", "3650", "-subj", f"/CN={name}/O=chatledger tests",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=dir,
    )  # fmt: skip
    return key, cert


def make_pki(dir: Path) -> Pki:
    ca_key, ca_cert = make_ca(dir, "Test Root CA")
    (dir / "tsa.ext").write_text(TSA_EXTENSIONS)
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
        "-subj", "/CN=Test TSA/O=chatledger tests",
        cwd=dir,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.ext",
        cwd=dir,
    )  # fmt: skip
    (dir / "tsaserial").write_text("01\n")
    config = dir / "tsa.cnf"
    config.write_text(TSA_CONFIG.format(dir=dir))
    return Pki(dir, ca_cert, dir / "tsa.crt", config)


@contextmanager
def serve(pki: Pki, *, replay: bytes | None = None) -> Iterator[str]:
    """Run the TSA on a free loopback port in a thread; yields its URL. ``replay`` answers every query
    with those bytes instead (an old or foreign response)."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if replay is not None:
                self._send(replay)
                return
            with lock:  # openssl ts updates the serial file
                result = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(pki.config), "-queryfile", "/dev/stdin"],
                    input=query,
                    capture_output=True,
                    timeout=30,
                )
            if result.returncode != 0 or not result.stdout:
                self.send_error(500, "openssl ts failed")
                return
            self._send(result.stdout)

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
