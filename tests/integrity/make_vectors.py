"""Write the JSON proof vectors under ``tests/integrity/vectors/``: ``python -m tests.integrity.make_vectors``.

Deterministic: leaves are ``hash_leaf(b"leaf <i>")`` for i in 0..63. Each vector has a ``desc``, its
inputs (hashes in hex) and ``want_error``. Most are deliberate corruptions of a valid proof. Proofs
come from ``chatledger.integrity.merkle``; ``test_vectors.py`` checks these files are what this
script writes and that the verifier agrees with every ``want_error``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chatledger.integrity import merkle
from chatledger.integrity.canonical import (
    MessageEvidence,
    SourceEvidence,
    leaf_data,
    message_leaf_object,
    source_leaf_object,
)
from chatledger.integrity.hasher import EMPTY_ROOT, hash_leaf
from chatledger.integrity.proof import CONSISTENCY_PROOF_TYPE, INCLUSION_PROOF_TYPE
from chatledger.integrity.tree_head import TreeHead, key_id, public_key_pem, sign_tree_head

VECTORS = Path(__file__).parent / "vectors"
LEAVES = [hash_leaf(f"leaf {i}".encode()) for i in range(64)]


def _tree() -> merkle.MemoryHashStore:
    store = merkle.MemoryHashStore(stride=1)
    store.extend(LEAVES)
    return store


def _flip(h: str) -> str:
    return ("0" if h[0] != "0" else "1") + h[1:]


def inclusion_vectors() -> dict[str, dict[str, Any]]:
    tree = _tree()

    def case(index: int, size: int, leaf_index: int | None = None) -> dict[str, Any]:
        return {
            "leaf_hash": LEAVES[index if leaf_index is None else leaf_index].hex(),
            "index": index,
            "size": size,
            "proof": [h.hex() for h in merkle.inclusion_proof(tree, index, size)],
            "root": merkle.root_hash(tree, size).hex(),
        }

    out: dict[str, dict[str, Any]] = {}

    def add(name: str, desc: str, want_error: bool, **fields: Any) -> None:
        out[name] = {"desc": desc, **fields, "want_error": want_error}

    for index, size in [
        (0, 1),
        (0, 2),
        (1, 2),
        (2, 3),
        (0, 8),
        (5, 8),
        (7, 8),
        (6, 7),
        (12, 13),
        (37, 64),
        (20, 21),
    ]:
        add(
            f"valid_{index}_of_{size}",
            f"a valid proof of leaf {index} in a tree of {size}",
            False,
            **case(index, size),
        )
    good = case(5, 13)
    add("valid_5_of_13", "a valid proof of leaf 5 in a tree of 13", False, **good)
    add("wrong_index", "the proof for leaf 5 presented as leaf 4", True, **{**good, "index": 4})
    add("wrong_index_far", "the proof for leaf 5 presented as leaf 9", True, **{**good, "index": 9})
    add("wrong_leaf", "leaf 6's hash with leaf 5's proof", True, **{**good, "leaf_hash": LEAVES[6].hex()})
    add(
        "wrong_size_smaller",
        "size 12 and its root with the proof for size 13",
        True,
        **{**good, "size": 12, "root": merkle.root_hash(tree, 12).hex()},
    )
    add(
        "wrong_size_larger",
        "size 16 and its root with the proof for size 13",
        True,
        **{**good, "size": 16, "root": merkle.root_hash(tree, 16).hex()},
    )
    add(
        "wrong_size_other_shape",
        "size 40 with the proof and root of size 13 (the path has the wrong length)",
        True,
        **{**good, "size": 40},
    )
    add("size_0", "a tree of size 0 holds no leaf", True, **{**good, "index": 0, "size": 0, "proof": []})
    add("index_equals_size", "index 13 in a tree of 13", True, **{**good, "index": 13})
    add("index_above_size", "index 20 in a tree of 13", True, **{**good, "index": 20})
    add("negative_index", "index -1", True, **{**good, "index": -1})
    add("truncated_proof", "the last proof hash dropped", True, **{**good, "proof": good["proof"][:-1]})
    add("first_hash_dropped", "the first proof hash dropped", True, **{**good, "proof": good["proof"][1:]})
    add(
        "extra_hash",
        "a hash appended to the proof",
        True,
        **{**good, "proof": [*good["proof"], LEAVES[0].hex()]},
    )
    add(
        "extra_hash_front",
        "a hash prepended to the proof",
        True,
        **{**good, "proof": [LEAVES[0].hex(), *good["proof"]]},
    )
    p = good["proof"]
    add(
        "swapped_siblings",
        "the first two proof hashes swapped",
        True,
        **{**good, "proof": [p[1], p[0], *p[2:]]},
    )
    add("reversed_proof", "the proof hashes in reverse order", True, **{**good, "proof": p[::-1]})
    add(
        "flipped_proof_bit",
        "one bit of the second proof hash flipped",
        True,
        **{**good, "proof": [p[0], _flip(p[1]), *p[2:]]},
    )
    add(
        "wrong_root", "the root of the tree of 12", True, **{**good, "root": merkle.root_hash(tree, 12).hex()}
    )
    add("flipped_root_bit", "one bit of the root flipped", True, **{**good, "root": _flip(good["root"])})
    add(
        "flipped_leaf_bit",
        "one bit of the leaf hash flipped",
        True,
        **{**good, "leaf_hash": _flip(good["leaf_hash"])},
    )
    add("short_proof_hash", "a proof hash of 31 bytes", True, **{**good, "proof": [p[0][:62], *p[1:]]})
    add("short_root", "a root of 31 bytes", True, **{**good, "root": good["root"][:62]})
    add("empty_proof", "no proof hashes at all", True, **{**good, "proof": []})
    add(
        "leaf_as_root",
        "a one-leaf tree whose root is not the leaf hash",
        True,
        **{**case(0, 1), "root": LEAVES[1].hex()},
    )
    add(
        "node_as_leaf",
        "an interior node (leaves 4,5) passed off as leaf 2 of a shorter path: domain separation stops it",
        True,
        **{**case(2, 4), "leaf_hash": merkle.subtree_hash(tree, 4, 6).hex()},
    )
    size17 = case(0, 17)
    add(
        "size_not_bound_by_path",
        "NOT an error: leaf 0's path in 17 leaves also fits size 18 with the size-17 root; an inclusion "
        "proof does not authenticate the size, the signed tree head binding size to root does",
        False,
        **{**size17, "size": 18},
    )
    add(
        "size_18_true_root",
        "leaf 0's path in 17 leaves against the real root of 18",
        True,
        **{**size17, "size": 18, "root": merkle.root_hash(tree, 18).hex()},
    )
    return out


def consistency_vectors() -> dict[str, dict[str, Any]]:
    tree = _tree()

    def case(old: int, new: int) -> dict[str, Any]:
        return {
            "old_size": old,
            "new_size": new,
            "old_root": merkle.root_hash(tree, old).hex(),
            "new_root": merkle.root_hash(tree, new).hex(),
            "proof": [h.hex() for h in merkle.consistency_proof(tree, old, new)],
        }

    out: dict[str, dict[str, Any]] = {}

    def add(name: str, desc: str, want_error: bool, **fields: Any) -> None:
        out[name] = {"desc": desc, **fields, "want_error": want_error}

    for old, new in [
        (1, 2),
        (1, 8),
        (2, 3),
        (3, 7),
        (4, 8),
        (6, 8),
        (7, 13),
        (8, 13),
        (5, 64),
        (33, 64),
        (63, 64),
    ]:
        add(
            f"valid_{old}_to_{new}",
            f"a valid proof that {old} leaves are a prefix of {new}",
            False,
            **case(old, new),
        )
    add("valid_same_size", "equal sizes, equal roots, empty proof", False, **case(13, 13))
    add("valid_from_empty", "the empty tree is a prefix of any tree", False, **case(0, 13))
    add("valid_empty_to_empty", "empty to empty", False, **case(0, 0))
    good = case(6, 13)
    p = good["proof"]
    add("valid_6_to_13", "a valid proof that 6 leaves are a prefix of 13", False, **good)
    add("old_size_larger", "old size 13 above new size 6", True, **{**good, "old_size": 13, "new_size": 6})
    add(
        "wrong_old_size",
        "old size 5 with the proof for 6",
        True,
        **{**good, "old_size": 5, "old_root": case(5, 13)["old_root"]},
    )
    add(
        "wrong_new_size",
        "new size 14 with the proof for 13",
        True,
        **{**good, "new_size": 14, "new_root": case(6, 14)["new_root"]},
    )
    add(
        "wrong_old_root",
        "the root of 5 leaves as the old root",
        True,
        **{**good, "old_root": case(5, 13)["old_root"]},
    )
    add(
        "wrong_new_root",
        "the root of 12 leaves as the new root",
        True,
        **{**good, "new_root": case(6, 12)["new_root"]},
    )
    add(
        "swapped_roots",
        "old and new roots swapped",
        True,
        **{**good, "old_root": good["new_root"], "new_root": good["old_root"]},
    )
    add(
        "flipped_old_root_bit",
        "one bit of the old root flipped",
        True,
        **{**good, "old_root": _flip(good["old_root"])},
    )
    add(
        "flipped_new_root_bit",
        "one bit of the new root flipped",
        True,
        **{**good, "new_root": _flip(good["new_root"])},
    )
    add(
        "flipped_proof_bit",
        "one bit of the last proof hash flipped",
        True,
        **{**good, "proof": [*p[:-1], _flip(p[-1])]},
    )
    add("truncated_proof", "the last proof hash dropped", True, **{**good, "proof": p[:-1]})
    add("first_hash_dropped", "the first proof hash dropped", True, **{**good, "proof": p[1:]})
    add("extra_hash", "a hash appended", True, **{**good, "proof": [*p, LEAVES[0].hex()]})
    add("extra_hash_front", "the old root prepended", True, **{**good, "proof": [good["old_root"], *p]})
    add(
        "swapped_siblings",
        "the first two proof hashes swapped",
        True,
        **{**good, "proof": [p[1], p[0], *p[2:]]},
    )
    add("reversed_proof", "the proof in reverse order", True, **{**good, "proof": p[::-1]})
    add("empty_proof", "no proof hashes for 6 → 13", True, **{**good, "proof": []})
    add("short_proof_hash", "a proof hash of 31 bytes", True, **{**good, "proof": [p[0][:62], *p[1:]]})
    pow2 = case(4, 13)
    add("valid_4_to_13", "a valid proof from a power-of-two size (old root not in the proof)", False, **pow2)
    add(
        "pow2_old_root_in_proof",
        "the old root prepended to a power-of-two proof",
        True,
        **{**pow2, "proof": [pow2["old_root"], *pow2["proof"]]},
    )
    same = case(13, 13)
    add(
        "same_size_different_roots",
        "equal sizes with different roots",
        True,
        **{**same, "new_root": case(6, 12)["new_root"]},
    )
    add(
        "same_size_nonempty_proof",
        "equal sizes with a proof hash",
        True,
        **{**same, "proof": [LEAVES[0].hex()]},
    )
    empty = case(0, 13)
    add(
        "size_0_wrong_root",
        "old size 0 whose root is not SHA-256 of nothing",
        True,
        **{**empty, "old_root": LEAVES[0].hex()},
    )
    add(
        "size_0_nonempty_proof", "old size 0 with a proof hash", True, **{**empty, "proof": [LEAVES[0].hex()]}
    )
    add(
        "size_0_root_is_empty_hash",
        "old size 0 root is SHA-256 of nothing",
        False,
        **{**empty, "old_root": EMPTY_ROOT.hex()},
    )
    add("negative_old_size", "old size -1", True, **{**good, "old_size": -1})
    add(
        "rewritten_history",
        "a tree of 13 whose leaf 2 was replaced cannot prove the old tree of 6 a prefix",
        True,
        **{**good, "new_root": _rewritten_root(13, 2)},
    )
    return out


def _rewritten_root(size: int, replaced: int) -> str:
    store = merkle.MemoryHashStore()
    store.extend(hash_leaf(b"forged") if i == replaced else h for i, h in enumerate(LEAVES[:size]))
    return store.root().hex()


# -- proof files (``chatledger prove``): a tree of 13 leaves whose leaf 5 is a message, leaf 0 a source ----

_KEY = Ed25519PrivateKey.from_private_bytes(
    bytes(range(32))
)  # deterministic: Ed25519 signs deterministically
_OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
_MESSAGE = message_leaf_object(
    MessageEvidence(
        "wechat", "group-42", "wxid_alice", "Alice", 1_764_000_000_000, 480, "s", "text", "合同我明天寄出。",
        None, None, None, None, "00112233445566778899aabbccddeeff", 0, "ab" * 32, "line 7", None,
        (("合同.pdf", "file", "present", "files/合同.pdf", 1024, "cd" * 32, "ef" * 16, "application/pdf"),),
    )
)  # fmt: skip
_SOURCE = source_leaf_object(
    SourceEvidence(
        "ab" * 32, "12" * 16, 2048, "chat.csv", "/home/alice/export/chat.csv", "2025-11-24T08:00:00+00:00",
        "wechat-pywxdump-csv", "1", "0.1.0", "2025-11-25T09:30:00+00:00", "alice", "Asia/Shanghai", "utf-8", 12, 12,
    )
)  # fmt: skip


def _file_tree() -> tuple[merkle.MemoryHashStore, list[bytes]]:
    leaves = [hash_leaf(leaf_data(_SOURCE)), *LEAVES[1:5], hash_leaf(leaf_data(_MESSAGE)), *LEAVES[6:13]]
    store = merkle.MemoryHashStore(stride=1)
    store.extend(leaves)
    return store, leaves


def _signed(
    size: int, key: Ed25519PrivateKey = _KEY, timestamp_ms: int = 1_764_100_000_000
) -> dict[str, Any]:
    store, leaves = _file_tree()
    tiny = merkle.MemoryHashStore(stride=1)
    tiny.extend(leaves[:size])
    head = TreeHead(size, tiny.root(), timestamp_ms, key_id(key.public_key()))
    return sign_tree_head(head, key).to_dict()


def _pem(key: Ed25519PrivateKey) -> str:
    return public_key_pem(key.public_key()).decode("ascii")


def proof_file_vectors() -> dict[str, dict[str, Any]]:
    store, _ = _file_tree()

    def inclusion(index: int, leaf: dict[str, Any], key: Ed25519PrivateKey = _KEY) -> dict[str, Any]:
        return {
            "type": INCLUSION_PROOF_TYPE,
            "leaf_index": index,
            "leaf": leaf,
            "audit_path": [h.hex() for h in merkle.inclusion_proof(store, index, 13)],
            "tree_head": _signed(13, key),
            "public_key": _pem(key),
            "timestamps": [],
        }

    out: dict[str, dict[str, Any]] = {}

    def add(name: str, desc: str, want_error: bool, file: dict[str, Any], trusted: str | None = None) -> None:
        out[name] = {"desc": desc, "file": file, "trusted_key_id": trusted, "want_error": want_error}

    good = inclusion(5, _MESSAGE)
    head = good["tree_head"]
    add("valid_message", "a message proven in a signed tree of 13", False, good, key_id(_KEY.public_key()))
    add("valid_source", "a source's custody record proven", False, inclusion(0, _SOURCE))
    add(
        "text_edited",
        "the message text changed by one character",
        True,
        {**good, "leaf": {**_MESSAGE, "text": "合同我后天寄出。"}},
    )
    add(
        "time_edited",
        "the message sent one second later",
        True,
        {**good, "leaf": {**_MESSAGE, "ts_ms": _MESSAGE["ts_ms"] + 1000}},
    )
    add(
        "offset_edited",
        "the message's UTC offset changed",
        True,
        {**good, "leaf": {**_MESSAGE, "utc_offset_min": 0}},
    )
    add("sender_edited", "another sender", True, {**good, "leaf": {**_MESSAGE, "sender": "wxid_bob"}})
    attachment = {**_MESSAGE["attachments"][0], "sha256": "00" * 32}
    add(
        "attachment_hash_edited",
        "the attachment's SHA-256 replaced",
        True,
        {**good, "leaf": {**_MESSAGE, "attachments": [attachment]}},
    )
    add(
        "locator_edited",
        "the message said to come from another line",
        True,
        {**good, "leaf": {**_MESSAGE, "locator": "line 8"}},
    )
    add("field_added", "an extra field in the leaf", True, {**good, "leaf": {**_MESSAGE, "note": "genuine"}})
    add(
        "leaf_type_unknown",
        "a leaf of an unknown type",
        True,
        {**good, "leaf": {**_MESSAGE, "type": "chatledger/other/1"}},
    )
    add("source_as_message", "the source's record at the message's index", True, {**good, "leaf": _SOURCE})
    add(
        "custody_path_edited",
        "the source said to come from another path",
        True,
        {**inclusion(0, _SOURCE), "leaf": {**_SOURCE, "original_path": "/tmp/x"}},
    )
    add("index_off_by_one", "leaf index 6 with the path of 5", True, {**good, "leaf_index": 6})
    add("index_negative", "leaf index -1", True, {**good, "leaf_index": -1})
    add("index_not_integer", "leaf index as a string", True, {**good, "leaf_index": "5"})
    add(
        "path_truncated",
        "the last audit path hash dropped",
        True,
        {**good, "audit_path": good["audit_path"][:-1]},
    )
    add(
        "path_hash_flipped",
        "one bit of an audit path hash flipped",
        True,
        {**good, "audit_path": [_flip(good["audit_path"][0]), *good["audit_path"][1:]]},
    )
    add(
        "path_not_hex",
        "an audit path hash that is not hex",
        True,
        {**good, "audit_path": ["zz", *good["audit_path"][1:]]},
    )
    add(
        "head_size_changed",
        "the signed head's size changed to 14",
        True,
        {**good, "tree_head": {**head, "tree_head": {**head["tree_head"], "size": 14}}},
    )
    add(
        "head_root_changed",
        "the signed head's root flipped",
        True,
        {
            **good,
            "tree_head": {
                **head,
                "tree_head": {**head["tree_head"], "root_hash": _flip(head["tree_head"]["root_hash"])},
            },
        },
    )
    add(
        "head_time_changed",
        "the signed head's time moved",
        True,
        {**good, "tree_head": {**head, "tree_head": {**head["tree_head"], "timestamp_ms": 1}}},
    )
    add(
        "signature_flipped",
        "one bit of the signature flipped",
        True,
        {**good, "tree_head": {**head, "signature": _flip(head["signature"])}},
    )
    add(
        "signature_truncated",
        "a 63-byte signature",
        True,
        {**good, "tree_head": {**head, "signature": head["signature"][:-2]}},
    )
    add(
        "key_id_changed",
        "the head names another key",
        True,
        {**good, "tree_head": {**head, "key_id": key_id(_OTHER_KEY.public_key())}},
    )
    add(
        "public_key_swapped",
        "signed by one key, the file carries another",
        True,
        {**good, "public_key": _pem(_OTHER_KEY)},
    )
    add("public_key_garbage", "the public key is not PEM", True, {**good, "public_key": "not a key"})
    other = inclusion(5, _MESSAGE, _OTHER_KEY)
    add(
        "other_key_trusted_mismatch",
        "a consistent file signed by another key than the trusted one",
        True,
        other,
        key_id(_KEY.public_key()),
    )
    add(
        "other_key_untrusted",
        "a consistent file signed by another key, no key trusted: only a trusted key tells",
        False,
        other,
    )
    add("no_tree_head", "the tree head is missing", True, {k: v for k, v in good.items() if k != "tree_head"})
    add("type_unknown", "an unknown proof type", True, {**good, "type": "chatledger/other-proof/1"})
    add(
        "timestamp_garbage",
        "a timestamp token that is not RFC 3161",
        True,
        {**good, "timestamps": [{"token": "AAAA"}]},
    )
    add(
        "timestamp_not_base64",
        "a timestamp token that is not base64",
        True,
        {**good, "timestamps": [{"token": "@@@"}]},
    )

    def consistency(old: int, new: int, key: Ed25519PrivateKey = _KEY) -> dict[str, Any]:
        return {
            "type": CONSISTENCY_PROOF_TYPE,
            "old": _signed(old, key, 1_764_000_000_000),
            "new": _signed(new, key),
            "proof": [h.hex() for h in merkle.consistency_proof(store, old, new)],
            "public_key": _pem(key),
        }

    grew = consistency(6, 13)
    add("valid_consistency", "the log of 6 is a prefix of the log of 13", False, grew)
    add(
        "consistency_swapped",
        "old and new heads swapped",
        True,
        {**grew, "old": grew["new"], "new": grew["old"]},
    )
    add(
        "consistency_hash_flipped",
        "one bit of the consistency proof flipped",
        True,
        {**grew, "proof": [_flip(grew["proof"][0]), *grew["proof"][1:]]},
    )
    add(
        "consistency_truncated",
        "the last consistency hash dropped",
        True,
        {**grew, "proof": grew["proof"][:-1]},
    )
    add(
        "consistency_old_unsigned",
        "the old head's signature flipped",
        True,
        {**grew, "old": {**grew["old"], "signature": _flip(grew["old"]["signature"])}},
    )
    other_log = _signed(6, _OTHER_KEY, 1_764_000_000_000)
    add("consistency_two_logs", "the old head is of another log", True, {**grew, "old": other_log})
    return out


def build() -> dict[str, dict[str, dict[str, Any]]]:
    return {
        "inclusion": inclusion_vectors(),
        "consistency": consistency_vectors(),
        "proof_file": proof_file_vectors(),
    }


def render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for kind, vectors in build().items():
        folder = VECTORS / kind
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, vector in vectors.items():
            (folder / f"{name}.json").write_text(render(vector), encoding="utf-8")


if __name__ == "__main__":
    main()
