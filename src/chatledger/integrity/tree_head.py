"""Signed tree heads: the log's size and root at a moment, signed with the archive's Ed25519 key.

A tree head signs the ``canonical_json`` of ``{"log_id", "root_hash" (hex), "size", "timestamp_ms",
"type": "chatledger/tree-head/1"}``; the ``type`` tag keeps the signature from meaning anything else.
A ``SignedTreeHead`` adds the 64-byte signature and the signer's key id (hex SHA-256 of the raw
public key), which only serves to tell "wrong key" apart from "altered head" in error messages.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chatledger.integrity.canonical import canonical_json
from chatledger.integrity.errors import KeyFileError, VerificationError
from chatledger.integrity.hasher import HASH_SIZE

TREE_HEAD_TYPE = "chatledger/tree-head/1"
SIGNATURE_SIZE = 64


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The state of the log: ``size`` leaves with root ``root_hash``, as of ``timestamp_ms`` (UTC epoch ms)."""

    size: int
    root_hash: bytes
    timestamp_ms: int
    log_id: str

    def __post_init__(self) -> None:
        for name in ("size", "timestamp_ms"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"tree head {name} is {value!r}, want a non-negative integer")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"tree head root_hash is {self.root_hash!r}, want {HASH_SIZE} bytes")
        if not isinstance(self.log_id, str) or not self.log_id:
            raise ValueError(f"tree head log_id is {self.log_id!r}, want a non-empty string")

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": TREE_HEAD_TYPE,
            "log_id": self.log_id,
            "size": self.size,
            "root_hash": self.root_hash.hex(),
            "timestamp_ms": self.timestamp_ms,
        }

    def canonical_bytes(self) -> bytes:
        """The exact bytes that are signed and timestamped."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> TreeHead:
        """Read a tree head from untrusted JSON; raises ``VerificationError`` on anything malformed."""
        if not isinstance(data, dict):
            raise VerificationError(f"tree head is a {type(data).__name__}, want an object")
        if data.get("type") != TREE_HEAD_TYPE:
            raise VerificationError(f"tree head type is {data.get('type')!r}, want {TREE_HEAD_TYPE!r}")
        extra = set(data) - {"type", "log_id", "size", "root_hash", "timestamp_ms"}
        if extra:
            raise VerificationError(f"tree head has unknown fields {sorted(extra)}")
        try:
            root = data["root_hash"]
            if not isinstance(root, str) or root != root.lower():
                raise ValueError(f"root_hash {root!r} is not lower-case hex")
            return cls(data["size"], bytes.fromhex(root), data["timestamp_ms"], data["log_id"])
        except (KeyError, ValueError) as exc:
            raise VerificationError(f"malformed tree head: {exc}") from exc


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    head: TreeHead
    signature: bytes
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"tree_head": self.head.to_dict(), "signature": self.signature.hex(), "key_id": self.key_id}

    @classmethod
    def from_dict(cls, data: Any) -> SignedTreeHead:
        """Read a signed tree head from untrusted JSON (it is not verified here)."""
        if not isinstance(data, dict):
            raise VerificationError(f"signed tree head is a {type(data).__name__}, want an object")
        try:
            signature, key_id = data["signature"], data["key_id"]
            if not isinstance(signature, str) or not isinstance(key_id, str):
                raise ValueError("signature and key_id must be hex strings")
            return cls(TreeHead.from_dict(data["tree_head"]), bytes.fromhex(signature), key_id)
        except (KeyError, ValueError) as exc:
            raise VerificationError(f"malformed signed tree head: {exc}") from exc


def key_id(public_key: Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_key_pair(path: Path) -> Ed25519PublicKey:
    """Create a new Ed25519 key, write it to ``path`` as PKCS#8 PEM with mode 0600, return its public key.

    Refuses to overwrite an existing file: losing a log's signing key cannot be undone.
    """
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"{path}: a key file already exists; move it away to create a new key") from exc
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot create the key file: {exc.strerror}") from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return private_key.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key; refuses one that group or others may read (as ssh does)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file: {exc.strerror}") from exc
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: the private key is accessible to others (mode {stat.S_IMODE(mode):04o}, want 0600). "
            f"Fix it with: chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: the key is {type(key).__name__}, want an Ed25519 private key")
    return key


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM, to hand to whoever verifies."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Read an Ed25519 public key from PEM; raises ``VerificationError`` if it is not one."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise VerificationError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError(f"the public key is {type(key).__name__}, want Ed25519")
    return key


def sign_tree_head(head: TreeHead, private_key: Ed25519PrivateKey) -> SignedTreeHead:
    return SignedTreeHead(head, private_key.sign(head.canonical_bytes()), key_id(private_key.public_key()))


def verify_tree_head(
    signed: SignedTreeHead, public_key: Ed25519PublicKey, *, log_id: str | None = None
) -> TreeHead:
    """Return the tree head if ``public_key`` signed it (and it is for ``log_id``, when given)."""
    head = signed.head
    want_key = key_id(public_key)
    if signed.key_id != want_key:
        raise VerificationError(
            f"tree head of log {head.log_id!r} at size {head.size} names signing key {signed.key_id[:16]}…, "
            f"want {want_key[:16]}…: it was signed with another key, or the key id was altered"
        )
    if len(signed.signature) != SIGNATURE_SIZE:
        raise VerificationError(
            f"tree head signature is {len(signed.signature)} bytes, want {SIGNATURE_SIZE}"
        )
    try:
        public_key.verify(signed.signature, head.canonical_bytes())
    except InvalidSignature:
        raise VerificationError(
            f"tree head signature does not verify under key {want_key[:16]}… for log {head.log_id!r}, "
            f"size {head.size}, root {head.root_hash.hex()[:16]}…, timestamp_ms {head.timestamp_ms}: "
            "the size, root, timestamp, log id or signature was altered"
        ) from None
    if log_id is not None and head.log_id != log_id:
        raise VerificationError(f"tree head is for log {head.log_id!r}, want {log_id!r}")
    return head
