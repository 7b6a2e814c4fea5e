"""Pure verification of Merkle inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2).

Nothing here reads storage or trusts chatledger: given hashes and sizes, each function either returns
or raises ``ProofError`` saying what it got and what it wanted. A third party can check an evidence
bundle with this module, ``hasher`` and ``errors`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatledger.integrity.errors import ProofError
from chatledger.integrity.hasher import EMPTY_ROOT, HASH_SIZE, hash_children


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
