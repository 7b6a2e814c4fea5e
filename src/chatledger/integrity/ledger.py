"""The archive's Merkle log: its signing key, signed tree heads, and building the log of an older archive.

The import appends leaves (``integrity.canonical``) inside its transaction and ends with
``sign_head``; ``chatledger init`` and the first import call ``ensure_ledger`` so that an archive made
before the log existed gets one. The key pair lives next to the archive: ``<db>.key`` (PKCS#8 PEM,
mode 0600) and ``<db>.pub`` (SubjectPublicKeyInfo PEM, for whoever verifies).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chatledger.errors import InputError, NotFoundError
from chatledger.integrity import merkle
from chatledger.integrity.canonical import (
    MessageEvidence,
    leaf_data,
    message_leaf_hash,
    message_leaf_object,
    source_evidence,
    source_leaf_hash,
    source_leaf_object,
)
from chatledger.integrity.errors import KeyFileError, VerificationError
from chatledger.integrity.hasher import hash_leaf
from chatledger.integrity.proof import CONSISTENCY_PROOF_TYPE, INCLUSION_PROOF_TYPE
from chatledger.integrity.tree_head import (
    SignedTreeHead,
    TreeHead,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    public_key_pem,
    sign_tree_head,
)
from chatledger.integrity.tsa import check_imprint, request_timestamp, verify_timestamp
from chatledger.store import MESSAGE_LEAF, SOURCE_LEAF, Store, StoredHead, StoredTimestamp


def public_key_path(key_path: Path) -> Path:
    return key_path.with_suffix(".pub")


def key_path_beside(originals_dir: Path) -> Path:
    """``<db>.key`` for the archive whose originals are kept in ``<db>-originals``."""
    return originals_dir.with_name(originals_dir.name.removesuffix("-originals") + ".key")


@dataclass(frozen=True)
class LogKey:
    """The archive's signing key and where it lives."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)


def ensure_key(key_path: Path) -> tuple[LogKey, bool]:
    """The archive's key, created (0600, with its ``.pub`` beside it) if missing; and whether it was created."""
    created = False
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        generate_key_pair(key_path)
        created = True
    key = LogKey(load_private_key(key_path), key_path)
    pub = public_key_path(key_path)
    if created or not pub.exists():
        pub.write_bytes(public_key_pem(key.public))
    return key, created


def load_verifying_key(key_path: Path, public_key_file: Path | None = None) -> Ed25519PublicKey:
    """The public key to check heads with: the file given, else ``<db>.pub``, else the private key's."""
    candidates = [public_key_file] if public_key_file is not None else [public_key_path(key_path)]
    for candidate in candidates:
        if candidate.exists():
            return load_public_key(candidate.read_bytes())
    if public_key_file is None and key_path.exists():
        return load_private_key(key_path).public_key()
    if public_key_file is not None:
        raise KeyFileError(f"no public key at {public_key_file}")
    raise KeyFileError(
        f"no key pair at {key_path}: this archive has none yet (`chatledger init` or its first import "
        "creates it); to check an archive signed elsewhere, give its public key with --public-key "
        "(`chatledger key export` prints it where the private key is)"
    )


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex in groups of four, as people compare them aloud."""
    kid = key_id(public_key)
    return ":".join(kid[i : i + 4] for i in range(0, len(kid), 4))


def sign_head(store: Store, key: LogKey, *, timestamp_ms: int | None = None) -> StoredHead:
    """Sign the log as it stands and archive the head (inside the caller's transaction)."""
    head = TreeHead(
        store.ledger_size(),
        store.ledger_root(),
        int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        key.key_id,
    )
    signed: SignedTreeHead = sign_tree_head(head, key.private)
    return StoredHead(store.add_tree_head(signed), signed)


def needs_head(store: Store) -> bool:
    """True when the log holds leaves no signed head covers yet (or has no head at all)."""
    heads = store.tree_heads()
    return not heads or heads[-1].signed.head.size != store.ledger_size()


def ensure_ledger(store: Store, key: LogKey) -> int:
    """Give an archive made before the log existed its leaves (sources, then messages in id order) and
    a signed head over them.

    Only an empty log is filled: once a log exists, a row without a leaf is tampering for ``verify``
    to report, never something to paper over. Returns how many leaves were added.
    """
    if store.ledger_size() or store.tree_heads():
        return 0
    added = 0
    with store.transaction():
        sources = [
            (e.ref, source_leaf_hash(source_evidence(store.source(e.ref))))
            for e in store.unledgered(SOURCE_LEAF)
        ]
        store.append_leaves(SOURCE_LEAF, sources)
        added += len(sources)
        batch: list[tuple[int, bytes]] = []
        for entry in store.unledgered(MESSAGE_LEAF):
            assert isinstance(entry.evidence, MessageEvidence)
            batch.append((entry.ref, message_leaf_hash(entry.evidence)))
            if len(batch) >= 5000:
                store.append_leaves(MESSAGE_LEAF, batch)
                added += len(batch)
                batch = []
        store.append_leaves(MESSAGE_LEAF, batch)
        added += len(batch)
        if added:
            sign_head(store, key)
    return added


# -- proofs ----------------------------------------------------------------------------------------


def _pick_head(store: Store, head_id: int | None) -> StoredHead:
    heads = store.tree_heads()
    if not heads:
        raise NotFoundError("the log has no signed head yet: import something, or run `chatledger init`.")
    if head_id is None:
        return heads[-1]
    for stored in heads:
        if stored.id == head_id:
            return stored
    raise NotFoundError(f"no tree head {head_id}; `chatledger log` lists them.")


def _timestamps_of(store: Store, head_id: int) -> list[dict[str, Any]]:
    return [
        {
            "tsa_url": t.tsa_url,
            "gen_time": t.gen_time,
            "token": base64.b64encode(t.token).decode("ascii"),
            "tsa_cert_pem": t.tsa_cert_pem,
            "ca_cert_pem": t.ca_cert_pem,
        }
        for t in store.timestamps()
        if t.head_id == head_id
    ]


def inclusion_proof_file(
    store: Store, kind: int, ref: int, public_key: Ed25519PublicKey, *, head_id: int | None = None
) -> dict[str, Any]:
    """A self-contained proof (``proof.verify_proof_file``) that message or source ``ref`` is in the log."""
    what = "message" if kind == MESSAGE_LEAF else "source"
    index = store.leaf_index(kind, ref)
    if index is None:
        raise NotFoundError(f"{what} {ref} is not in the log (`chatledger verify` says why).")
    entry = store.ledger_entry(index)
    if entry.evidence is None:
        raise NotFoundError(f"{what} {ref} is not in the archive.")
    if isinstance(entry.evidence, MessageEvidence):
        obj = message_leaf_object(entry.evidence)
    else:
        obj = source_leaf_object(entry.evidence)
    if hash_leaf(leaf_data(obj)) != entry.hash:
        raise VerificationError(
            f"{what} {ref} no longer matches its leaf {index}: it was changed; run `chatledger verify`."
        )
    stored = _pick_head(store, head_id)
    head = stored.signed.head
    if index >= head.size:
        raise NotFoundError(f"{what} {ref} (leaf {index}) came after head {stored.id} (size {head.size}).")
    return {
        "type": INCLUSION_PROOF_TYPE,
        "leaf_index": index,
        "leaf": obj,
        "audit_path": [h.hex() for h in merkle.inclusion_proof(store.ledger_reader(), index, head.size)],
        "tree_head": stored.signed.to_dict(),
        "head_id": stored.id,
        "public_key": public_key_pem(public_key).decode("ascii"),
        "key_fingerprint": fingerprint(public_key),
        "timestamps": _timestamps_of(store, stored.id),
    }


def consistency_proof_file(
    store: Store, old_id: int, new_id: int, public_key: Ed25519PublicKey
) -> dict[str, Any]:
    """A self-contained proof that head ``old_id``'s log is a prefix of head ``new_id``'s."""
    old, new = _pick_head(store, old_id), _pick_head(store, new_id)
    if old.signed.head.size > new.signed.head.size:
        raise InputError(
            f"head {old_id} (size {old.signed.head.size}) is larger than head {new_id}: swap them."
        )
    proof = merkle.consistency_proof(store.ledger_reader(), old.signed.head.size, new.signed.head.size)
    return {
        "type": CONSISTENCY_PROOF_TYPE,
        "old": old.signed.to_dict(),
        "new": new.signed.to_dict(),
        "old_head_id": old.id,
        "new_head_id": new.id,
        "proof": [h.hex() for h in proof],
        "public_key": public_key_pem(public_key).decode("ascii"),
        "key_fingerprint": fingerprint(public_key),
    }


# -- timestamps ------------------------------------------------------------------------------------


def stamp_head(
    store: Store,
    tsa_url: str,
    *,
    tsa_cert_pem: bytes | None = None,
    ca_cert_pem: bytes | None = None,
    timeout: float = 30.0,
) -> tuple[StoredHead, StoredTimestamp]:
    """Have the TSA at ``tsa_url`` stamp the latest head; verify the token (fully when certificates are
    given, else its imprint) and archive it."""
    stored = _pick_head(store, None)
    data = stored.signed.head.canonical_bytes()
    token = request_timestamp(tsa_url, data, timeout=timeout)
    if tsa_cert_pem is not None:
        if ca_cert_pem is None:
            raise InputError(
                "--tsa-cert needs --ca-cert: the CA certificate(s) the TSA's certificate chains to."
            )
        verify_timestamp(token, data, tsa_cert_pem=tsa_cert_pem, ca_cert_pem=ca_cert_pem)
    else:
        check_imprint(token, data)
    with store.transaction():
        stamp_id = store.add_timestamp(
            stored.id,
            tsa_url=tsa_url,
            token=token.der,
            gen_time=token.gen_time.isoformat(),
            tsa_cert_pem=tsa_cert_pem.decode("ascii") if tsa_cert_pem else None,
            ca_cert_pem=ca_cert_pem.decode("ascii") if ca_cert_pem else None,
        )
    stamp = next(t for t in store.timestamps() if t.id == stamp_id)
    return stored, stamp
