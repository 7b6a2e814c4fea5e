"""The streaming MIME walker against the stdlib ``email`` parser, on generated multiparts."""

from __future__ import annotations

import base64
import io
import quopri
import random
from email import policy
from email.parser import BytesParser

import pytest

from chatledger.importers._shared import mime_stream
from chatledger.importers._shared.mime_stream import LINE_LIMIT, read_headers, walk_parts


def _part(rng: random.Random, index: int) -> bytes:
    body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
    text = "".join(rng.choice("消息ab =\n") for _ in range(rng.randrange(0, 200))).encode("utf-8")
    kind = rng.choice(["base64", "quoted-printable", "8bit"])
    if kind == "base64":
        encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
        headers = b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
    elif kind == "quoted-printable":
        encoded = quopri.encodestring(text).replace(b"\n", b"\r\n")
        headers = b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    else:
        encoded = text.replace(b"\n", b"\r\n")
        headers = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    return headers + f"Content-Location: part{index}\r\n\r\n".encode() + encoded


def _multipart(rng: random.Random, boundary: str, depth: int = 0) -> bytes:
    out = [b"preamble\r\n"]
    for index in range(rng.randrange(1, 6)):
        out.append(f"--{boundary}\r\n".encode())
        if depth < 1 and rng.random() < 0.3:
            inner = f"inner{depth}{index}"
            out.append(f'Content-Type: multipart/alternative; boundary="{inner}"\r\n\r\n'.encode())
            out.append(_multipart(rng, inner, depth + 1))
        else:
            out.append(_part(rng, rng.randrange(10_000)))
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


@pytest.mark.parametrize("chunk", [mime_stream.CHUNK, 7])
@pytest.mark.parametrize("seed", range(40))
def test_payloads_equal_the_email_packages(seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mime_stream, "CHUNK", chunk)  # 7: bodies handed on in many small pieces
    rng = random.Random(seed)
    data = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\tboundary="----=_Next"\r\n\r\n'
        + _multipart(rng, "----=_Next")
    )
    expected = [
        (part.get("Content-Location"), part.get_payload(decode=True))
        for part in BytesParser(policy=policy.compat32).parsebytes(data).walk()
        if not part.is_multipart()
    ]
    stream = io.BufferedReader(io.BytesIO(data))
    got = [
        (part.headers.get("Content-Location"), b"".join(part.chunks()))
        for part in walk_parts(stream, read_headers(stream))
    ]
    assert got == expected


def test_a_line_longer_than_the_read_limit_is_kept_whole_and_never_taken_for_a_boundary() -> None:
    long_line = b"x" * LINE_LIMIT + b"--B\r\ny"  # the second piece of the line reads "--B"
    data = b'Content-Type: multipart/related; boundary="B"\r\n\r\n--B\r\n\r\n' + long_line + b"\r\n--B--\r\n"
    stream = io.BufferedReader(io.BytesIO(data))
    bodies = [b"".join(part.chunks()) for part in walk_parts(stream, read_headers(stream))]
    assert bodies == [long_line]


def test_unread_bodies_are_skipped() -> None:
    data = b'Content-Type: multipart/related; boundary="B"\r\n\r\n--B\r\nA: 1\r\n\r\nab\r\n--B\r\nA: 2\r\n\r\ncd\r\n--B--\r\n'
    stream = io.BufferedReader(io.BytesIO(data))
    assert [part.headers["A"] for part in walk_parts(stream, read_headers(stream))] == ["1", "2"]
