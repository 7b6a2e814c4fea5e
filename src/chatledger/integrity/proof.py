"""Pure verification of Merkle inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2), and of
the self-contained proof files ``chatledger prove`` writes.

Nothing here reads storage or trusts chatledger: given hashes and sizes, each function either returns
or raises ``ProofError`` (``VerificationError`` for signatures and timestamps) saying what it got and
what it wanted. The bare proofs need this module, ``hasher`` and ``errors`` alone; a proof file also
needs ``canonical`` (to re-hash its leaf), ``tree_head`` (its signature) and ``tsa`` (its timestamps).

A proof file (``verify_proof_file``) is JSON:

* ``chatledger/inclusion-proof/1``: ``leaf`` (the leaf object itself: a message's or a source's canonical
  record), ``leaf_index``, ``audit_path`` (hex), ``tree_head`` (a signed head), ``public_key`` (PEM) and
  ``timestamps`` (RFC 3161 tokens over that head, base64, each with the certificates to check it);
* ``chatledger/consistency-proof/1``: ``old`` and ``new`` signed heads, ``proof`` (hex), ``public_key``.

The public key in a file only proves the file is consistent; pass the key (or its fingerprint) you got
from the archive's owner to ``trusted_key_id`` to prove it is *their* log.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatledger.integrity.canonical import MESSAGE_LEAF_TYPE, SOURCE_LEAF_TYPE, leaf_data
from chatledger.integrity.errors import ProofError, VerificationError
from chatledger.integrity.hasher import EMPTY_ROOT, HASH_SIZE, hash_children, hash_leaf
from chatledger.integrity.tree_head import (
    SignedTreeHead,
    TreeHead,
    key_id,
    load_public_key,
    verify_tree_head,
)
from chatledger.integrity.tsa import check_imprint, verify_timestamp

INCLUSION_PROOF_TYPE = "chatledger/inclusion-proof/1"
CONSISTENCY_PROOF_TYPE = "chatledger/consistency-proof/1"


def _short(h: bytes) -> str:
    return h.hex()[:16] + "…" if len(h) == HASH_SIZE else f"<{len(h)} bytes>"


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray):
        raise ProofError(f"{name} is a {type(value).__name__}, want {HASH_SIZE} bytes")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, want {HASH_SIZE}")


def _check_size(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofError(f"{name} is a {type(value).__name__}, want an integer")
    if value < 0:
        raise ProofError(f"{name} is {value}, want a non-negative integer")


def _check_proof(proof: Sequence[bytes], want: int, what: str) -> None:
    if len(proof) != want:
        raise ProofError(f"{what} has {len(proof)} hashes, want {want}")
    for i, h in enumerate(proof):
        _check_hash(f"{what} hash {i}", h)


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) holds: the differing low bits plus the left border."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """How many hashes PROOF(old_size, D[new_size]) holds (0 < old_size < new_size)."""
    shift = (old_size & -old_size).bit_length() - 1
    inner = ((old_size - 1) ^ (new_size - 1)).bit_length() - shift
    border = ((old_size - 1) >> (inner + shift)).bit_count()
    seed = 0 if old_size == 1 << shift else 1
    return seed + inner + border


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` yields for ``leaf_hash`` at ``index`` in a tree of ``size`` leaves."""
    _check_hash("leaf hash", leaf_hash)
    _check_size("leaf index", index)
    _check_size("tree size", size)
    if index >= size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_proof(proof, inclusion_proof_length(index, size), "inclusion proof")
    # RFC 9162 §2.1.3.2, step by step.
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves whose root is ``root``."""
    _check_hash("root hash", root)
    got = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if got != root:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} gives root {_short(got)}, want {_short(root)}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves (``old_root``) is a prefix of the one of ``new_size``."""
    _check_size("old tree size", old_size)
    _check_size("new tree size", new_size)
    _check_hash("old root hash", old_root)
    _check_hash("new root hash", new_root)
    if old_size > new_size:
        raise ProofError(f"old tree size {old_size} is larger than the new tree size {new_size}")
    if old_size == 0:
        _check_proof(proof, 0, "consistency proof")
        if old_root != EMPTY_ROOT:
            raise ProofError(f"root of the empty tree is {_short(old_root)}, want {_short(EMPTY_ROOT)}")
        return
    if old_size == new_size:
        _check_proof(proof, 0, "consistency proof")
        if old_root != new_root:
            raise ProofError(
                f"trees of equal size {old_size} have different roots: {_short(new_root)}, want {_short(old_root)}"
            )
        return
    _check_proof(proof, consistency_proof_length(old_size, new_size), "consistency proof")
    # RFC 9162 §2.1.4.2, step by step.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the new root")
    if fr != old_root:
        raise ProofError(
            f"consistency proof {old_size}→{new_size} gives old root {_short(fr)}, want {_short(old_root)}"
        )
    if sr != new_root:
        raise ProofError(
            f"consistency proof {old_size}→{new_size} gives new root {_short(sr)}, want {_short(new_root)}"
        )


@dataclass(frozen=True, slots=True)
class ProofFileCheck:
    """What a verified proof file established."""

    type: str
    key_id: str
    tree_size: int
    root_hash: str
    head_time_ms: int
    leaf: dict[str, Any] | None = None  # inclusion: the record proven
    leaf_index: int | None = None
    old_size: int | None = None  # consistency
    old_root_hash: str | None = None
    timestamps: tuple[datetime, ...] = ()
    timestamps_without_certificate: int = 0  # only their imprint could be checked


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise VerificationError(f"proof file has no {name!r}")
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise VerificationError(f"proof file {name!r} is a {type(value).__name__}, want {kind}")
    return value


def _hashes(values: Any, name: str) -> list[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise VerificationError(f"proof file {name!r} must be a list of hex strings")
    try:
        return [bytes.fromhex(v) for v in values]
    except ValueError as exc:
        raise VerificationError(f"proof file {name!r} holds a hash that is not hex: {exc}") from exc


def _key(data: dict[str, Any], trusted_key_id: str | None) -> Any:
    pem = _field(data, "public_key", str)
    public_key = load_public_key(pem.encode("ascii", "replace"))
    kid = key_id(public_key)
    if trusted_key_id is not None and kid != trusted_key_id.replace(":", "").lower():
        raise VerificationError(
            f"the proof is signed by key {kid[:16]}…, not by the trusted key {trusted_key_id[:19]}…"
        )
    return public_key


def _head(value: Any, public_key: Any, what: str) -> TreeHead:
    try:
        return verify_tree_head(SignedTreeHead.from_dict(value), public_key)
    except VerificationError as exc:
        raise VerificationError(f"{what}: {exc}") from exc


def _timestamps(values: Any, head: TreeHead) -> tuple[tuple[datetime, ...], int]:
    if values is None:
        return (), 0
    if not isinstance(values, list):
        raise VerificationError("proof file 'timestamps' must be a list")
    times = []
    unchecked = 0
    data = head.canonical_bytes()
    for number, stamp in enumerate(values, start=1):
        if not isinstance(stamp, dict) or not isinstance(stamp.get("token"), str):
            raise VerificationError(f"timestamp {number} has no base64 'token'")
        try:
            der = base64.b64decode(stamp["token"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError(f"timestamp {number} token is not base64: {exc}") from exc
        tsa_cert, ca_cert = stamp.get("tsa_cert_pem"), stamp.get("ca_cert_pem")
        try:
            if isinstance(tsa_cert, str) and isinstance(ca_cert, str):
                times.append(
                    verify_timestamp(der, data, tsa_cert_pem=tsa_cert.encode(), ca_cert_pem=ca_cert.encode())
                )
            else:
                times.append(check_imprint(der, data))
                unchecked += 1
        except VerificationError as exc:
            raise VerificationError(f"timestamp {number} of the tree head: {exc}") from exc
    return tuple(times), unchecked


def verify_proof_file(data: Any, *, trusted_key_id: str | None = None) -> ProofFileCheck:
    """Check a proof file's JSON (parsed) completely; raises ``VerificationError``/``ProofError`` if anything fails."""
    if not isinstance(data, dict):
        raise VerificationError(f"proof file is a {type(data).__name__}, want a JSON object")
    kind = data.get("type")
    public_key = _key(data, trusted_key_id)
    if kind == INCLUSION_PROOF_TYPE:
        leaf = _field(data, "leaf", dict)
        if leaf.get("type") not in (MESSAGE_LEAF_TYPE, SOURCE_LEAF_TYPE):
            raise VerificationError(
                f"leaf type is {leaf.get('type')!r}, want {MESSAGE_LEAF_TYPE!r} or {SOURCE_LEAF_TYPE!r}"
            )
        index = _field(data, "leaf_index", int)
        head = _head(data.get("tree_head"), public_key, "tree head")
        verify_inclusion(
            hash_leaf(leaf_data(leaf)),
            index,
            head.size,
            _hashes(data.get("audit_path"), "audit_path"),
            head.root_hash,
        )
        times, unchecked = _timestamps(data.get("timestamps"), head)
        return ProofFileCheck(
            kind, key_id(public_key), head.size, head.root_hash.hex(), head.timestamp_ms, leaf, index,
            timestamps=times, timestamps_without_certificate=unchecked,
        )  # fmt: skip
    if kind == CONSISTENCY_PROOF_TYPE:
        old = _head(data.get("old"), public_key, "old tree head")
        new = _head(data.get("new"), public_key, "new tree head")
        if old.log_id != new.log_id:
            raise VerificationError(f"the heads are of two logs, {old.log_id!r} and {new.log_id!r}")
        verify_consistency(
            old.size, new.size, old.root_hash, new.root_hash, _hashes(data.get("proof"), "proof")
        )
        return ProofFileCheck(
            kind, key_id(public_key), new.size, new.root_hash.hex(), new.timestamp_ms,
            old_size=old.size, old_root_hash=old.root_hash.hex(),
        )  # fmt: skip
    raise VerificationError(
        f"proof file type is {kind!r}, want {INCLUSION_PROOF_TYPE!r} or {CONSISTENCY_PROOF_TYPE!r}"
    )
