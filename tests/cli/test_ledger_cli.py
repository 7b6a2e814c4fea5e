"""Proving the archive from the command line: init, import, log, prove, verify-proof, timestamp, verify."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import apsw
import pytest

from tests.cli.test_cli import TELEGRAM, WECHAT_GROUP, run
from tests.integrity.local_tsa import make_pki, serve


def test_prove_and_verify_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "case.db"
    init = run(db, "init")
    assert init.returncode == 0 and "fingerprint" in init.stdout
    assert stat.S_IMODE((tmp_path / "case.db.key").stat().st_mode) == 0o600
    assert run(db, "import", str(TELEGRAM), "--quiet").returncode == 0
    assert run(db, "import", str(WECHAT_GROUP), "--quiet").returncode == 0

    exported = run(db, "key", "export", "--json")
    key = json.loads(exported.stdout)
    assert key["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    heads = json.loads(run(db, "log", "--json").stdout)
    assert [(h["size"], h["signature_ok"]) for h in heads] == [(3, True), (15, True)]

    message_id = apsw.Connection(str(db)).execute("SELECT max(id) FROM messages").fetchone()[0]
    proof = tmp_path / "proof.json"
    assert run(db, "prove", str(message_id), "-o", str(proof)).returncode == 0
    checked = run(tmp_path / "elsewhere.db", "verify-proof", str(proof), "--fingerprint", key["fingerprint"])
    assert checked.returncode == 0 and "valid inclusion proof" in checked.stdout, checked.stderr
    consistency = tmp_path / "consistency.json"
    assert run(db, "prove", "--consistency", "1", "2", "-o", str(consistency)).returncode == 0
    assert "valid consistency proof" in run(db, "verify-proof", str(consistency)).stdout

    forged = json.loads(proof.read_text())
    forged["leaf"]["text"] = "something else"
    proof.write_text(json.dumps(forged))
    refused = run(db, "verify-proof", str(proof))
    assert refused.returncode == 1 and "inclusion proof" in refused.stderr

    verified = run(db, "verify")
    assert verified.returncode == 0 and "verified" in verified.stdout
    connection = apsw.Connection(str(db))
    connection.execute("UPDATE messages SET text = 'edited' WHERE id = ?", (message_id,))
    connection.close()
    failed = run(db, "verify", "--json")
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert not report["ok"] and [(f["kind"], f["message_id"]) for f in report["findings"]] == [
        ("message", message_id)
    ]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is needed for a local TSA")
def test_timestamp_command(tmp_path: Path) -> None:
    db = tmp_path / "case.db"
    assert run(db, "import", str(TELEGRAM), "--quiet").returncode == 0
    (tmp_path / "pki").mkdir()
    pki = make_pki(tmp_path / "pki")
    with serve(pki) as url:
        done = run(
            db, "timestamp", "--tsa", url, "--tsa-cert", str(pki.tsa_cert), "--ca-cert", str(pki.ca_cert)
        )
    assert done.returncode == 0 and "timestamped" in done.stdout, done.stderr
    assert json.loads(run(db, "log", "--json").stdout)[-1]["timestamps"] == 1
    report = json.loads(run(db, "verify", "--json").stdout)
    assert report["ok"] and report["timestamps"] == 1
