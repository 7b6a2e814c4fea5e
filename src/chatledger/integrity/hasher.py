"""RFC 9162 (Certificate Transparency v2) hashing with SHA-256, domain-separated.

A leaf hashes as ``SHA-256(0x00 ‖ data)`` and an interior node as ``SHA-256(0x01 ‖ left ‖ right)``,
so a leaf can never be passed off as a node (second-preimage resistance); the empty tree's root is
``SHA-256("")``. The Merkle tree builder (``merkle``) and the verifier (``proof``) both hash through
these functions only.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def hash_leaf(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``: the hash of one log entry."""
    return _sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``: the hash of an interior node."""
    return _sha256(NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """The root hash of the tree with no leaves, ``SHA-256("")``."""
    return EMPTY_ROOT
