"""RFC 3161 trusted timestamps over a tree head's canonical bytes, through ``rfc3161-client``.

``request_timestamp`` asks a timestamp authority (TSA) to sign the SHA-256 of some bytes and checks
the answer matches the question (status, nonce, message imprint); it does not check who signed it.
``verify_timestamp`` does: the token's signature must chain from the given TSA certificate to the
given CA, the TSA certificate must carry the critical ``timeStamping`` usage, and the imprint must be
the hash of the data. Keep ``TimestampToken.der`` (the TSA's response, byte for byte) as the evidence:
the other fields are a convenience parsed from it, and verification re-reads the DER, never them.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime

import rfc3161_client
from cryptography import x509

from chatledger.integrity.errors import TimestampError, VerificationError

MAX_RESPONSE_BYTES = 1 << 20
_SHA256 = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


@dataclass(frozen=True, slots=True)
class TimestampToken:
    """A TSA's signed answer: ``der`` is the whole DER ``TimeStampResp`` as received."""

    der: bytes = field(repr=False)
    gen_time: datetime
    tsa_name: str | None
    serial_number: int


def _tsa_name(response: rfc3161_client.TimeStampResponse) -> str | None:
    try:
        name = response.tst_info.name
    except ValueError:
        name = None
    if name is not None:
        value = name.value
        return value.rfc4514_string() if isinstance(value, x509.Name) else str(value)
    signer = next(iter(response.signed_data.signer_infos), None)
    for der in response.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        if signer is not None and cert.serial_number == signer.serial_number:
            return cert.subject.rfc4514_string()
    return None


def _decode(der: bytes) -> rfc3161_client.TimeStampResponse:
    try:
        return rfc3161_client.decode_timestamp_response(der)
    except Exception as exc:  # the Rust parser's errors are not all ValueError
        raise VerificationError(f"timestamp token is not a valid RFC 3161 response: {exc}") from exc


def parse_timestamp(der: bytes) -> TimestampToken:
    """Read a stored token's fields without verifying it."""
    response = _decode(der)
    if response.status != rfc3161_client.PKIStatus.GRANTED:
        raise VerificationError(f"timestamp status is {response.status}, want 0 (granted)")
    try:
        info = response.tst_info
        return TimestampToken(der, info.gen_time, _tsa_name(response), info.serial_number)
    except Exception as exc:  # a malformed embedded certificate, an unreadable field
        raise VerificationError(f"timestamp token cannot be read: {exc}") from exc


def request_timestamp(url: str, data: bytes, *, timeout: float = 30.0) -> TimestampToken:
    """POST a SHA-256 timestamp query for ``data`` to the TSA at ``url`` (http or https).

    Raises ``TimestampError`` if the TSA cannot be reached or refuses, ``VerificationError`` if its
    answer is not for this query. Verify the token with ``verify_timestamp`` before relying on it.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise TimestampError(f"timestamp authority URL {url!r} must be http:// or https://")
    query = (
        rfc3161_client.TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    request = urllib.request.Request(
        url,
        data=query.as_bytes(),
        method="POST",
        headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"timestamp authority {url} did not answer: {exc}") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise TimestampError(f"timestamp authority {url} answered more than {MAX_RESPONSE_BYTES} bytes")
    response = _decode(body)
    if response.status != rfc3161_client.PKIStatus.GRANTED:
        detail = "; ".join(response.status_string) or "no reason given"
        raise TimestampError(f"timestamp authority {url} refused (status {response.status}): {detail}")
    info = response.tst_info
    if info.nonce != query.nonce:
        raise VerificationError(
            f"timestamp nonce is {info.nonce}, want {query.nonce}: the answer is not ours"
        )
    _check_imprint(response, data)
    return parse_timestamp(body)


def _check_imprint(response: rfc3161_client.TimeStampResponse, data: bytes) -> None:
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != _SHA256 or imprint.message != hashlib.sha256(data).digest():
        raise VerificationError("timestamp message imprint is not the SHA-256 of the data")


def check_imprint(token: TimestampToken | bytes, data: bytes) -> datetime:
    """Check only that ``token`` is a granted answer stamping ``data``; returns its time.

    Without the TSA's certificate this is all that can be checked: it does not say who signed.
    """
    response = _decode(token.der if isinstance(token, TimestampToken) else token)
    if response.status != rfc3161_client.PKIStatus.GRANTED:
        raise VerificationError(f"timestamp status is {response.status}, want 0 (granted)")
    try:
        _check_imprint(response, data)
        return response.tst_info.gen_time
    except VerificationError:
        raise
    except Exception as exc:
        raise VerificationError(f"timestamp token cannot be read: {exc}") from exc


def _load_certs(pem: bytes, what: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise VerificationError(f"{what} is not PEM: {exc}") from exc
    if not certs:
        raise VerificationError(f"{what} holds no certificate")
    return certs


def verify_timestamp(
    token: TimestampToken | bytes, data: bytes, *, tsa_cert_pem: bytes, ca_cert_pem: bytes
) -> datetime:
    """Check ``token`` stamps exactly ``data``, signed by ``tsa_cert_pem`` chaining to ``ca_cert_pem``.

    ``ca_cert_pem`` may hold the root and any intermediates. Returns the TSA's time (UTC, aware).
    """
    der = token.der if isinstance(token, TimestampToken) else token
    response = _decode(der)
    (tsa_cert,) = _load_certs(tsa_cert_pem, "the TSA certificate")[:1]
    builder = rfc3161_client.VerifierBuilder().tsa_certificate(tsa_cert)
    for cert in _load_certs(ca_cert_pem, "the CA certificate"):
        if cert.subject == cert.issuer:
            builder = builder.add_root_certificate(cert)
        else:
            builder = builder.add_intermediate_certificate(cert)
    try:
        builder.build().verify_message(response, data)
    except Exception as exc:  # hostile bytes reach rfc3161-client, cryptography and Rust: any failure is "no"
        raise VerificationError(f"timestamp token does not verify: {exc}") from exc
    return response.tst_info.gen_time
