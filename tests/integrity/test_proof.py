"""Pure verification: every corruption of a valid proof, its leaf, root, index or sizes is rejected."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatledger.errors import ChatledgerError
from chatledger.integrity import merkle
from chatledger.integrity.errors import ProofError, VerificationError
from chatledger.integrity.hasher import EMPTY_ROOT, hash_leaf
from chatledger.integrity.merkle import MemoryHashStore
from chatledger.integrity.proof import root_from_inclusion_proof, verify_consistency, verify_inclusion
from tests.integrity import reference

ENTRIES = reference.entries(130)


@cache
def tree() -> MemoryHashStore:
    store = MemoryHashStore()
    store.extend(hash_leaf(e) for e in ENTRIES)
    return store


def root(size: int) -> bytes:
    return merkle.root_hash(tree(), size)


def flip(data: bytes, position: int, bit: int) -> bytes:
    out = bytearray(data)
    out[position % len(out)] ^= 1 << bit
    return bytes(out)


def test_errors_sit_in_the_tree() -> None:
    assert issubclass(ProofError, VerificationError)
    assert issubclass(VerificationError, ChatledgerError)


inclusion_cases = st.integers(1, 130).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n)))
consistency_cases = st.integers(2, 130).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n)))
flips = st.tuples(st.integers(0, 10**6), st.integers(0, 7))


@settings(max_examples=300, deadline=None)
@given(inclusion_cases, st.data())
def test_inclusion_rejects_any_flipped_bit(case: tuple[int, int], data: st.DataObject) -> None:
    index, size = case
    leaf, proof, good_root = (
        hash_leaf(ENTRIES[index]),
        merkle.inclusion_proof(tree(), index, size),
        root(size),
    )
    verify_inclusion(leaf, index, size, proof, good_root)
    position, bit = data.draw(flips)
    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    if target == "leaf":
        leaf = flip(leaf, position, bit)
    elif target == "root":
        good_root = flip(good_root, position, bit)
    else:
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = flip(proof[i], position, bit)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, good_root)


@settings(max_examples=300, deadline=None)
@given(inclusion_cases, st.integers(-3, 140), st.integers(-3, 140))
def test_inclusion_rejects_other_index_or_size(case: tuple[int, int], index2: int, size2: int) -> None:
    index, size = case
    leaf, proof = hash_leaf(ENTRIES[index]), merkle.inclusion_proof(tree(), index, size)
    if index2 != index:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index2, size, proof, root(size))
    if size2 != size and 0 <= size2 <= 130:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size2, proof, root(size2))


def test_inclusion_proof_does_not_bind_the_size_alone() -> None:
    """RFC 9162 by design: a path can fit several sizes, so a root must come with its signed size.

    Leaf 0's path in 17 leaves also "verifies" for size 18 against the size-17 root; what makes the
    claim false is that the signed tree head binds size 17 to that root, never size 18.
    """
    proof = merkle.inclusion_proof(tree(), 0, 17)
    verify_inclusion(hash_leaf(ENTRIES[0]), 0, 18, proof, root(17))
    with pytest.raises(ProofError):
        verify_inclusion(hash_leaf(ENTRIES[0]), 0, 18, proof, root(18))


@settings(max_examples=200, deadline=None)
@given(inclusion_cases)
def test_inclusion_rejects_truncated_extended_or_swapped_proofs(case: tuple[int, int]) -> None:
    index, size = case
    leaf, proof, good_root = (
        hash_leaf(ENTRIES[index]),
        merkle.inclusion_proof(tree(), index, size),
        root(size),
    )
    variants = [proof + [leaf], [leaf, *proof]]
    if proof:
        variants += [proof[:-1], proof[1:]]
    if len(proof) > 1:
        variants.append([proof[1], proof[0], *proof[2:]])
    for variant in variants:
        if variant != proof:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, variant, good_root)


@settings(max_examples=300, deadline=None)
@given(consistency_cases, st.data())
def test_consistency_rejects_any_flipped_bit(case: tuple[int, int], data: st.DataObject) -> None:
    old, new = case
    proof, old_root, new_root = merkle.consistency_proof(tree(), old, new), root(old), root(new)
    verify_consistency(old, new, old_root, new_root, proof)
    position, bit = data.draw(flips)
    target = data.draw(st.sampled_from(["old", "new", "proof"]))
    if target == "old":
        old_root = flip(old_root, position, bit)
    elif target == "new":
        new_root = flip(new_root, position, bit)
    else:
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = flip(proof[i], position, bit)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, proof)


@settings(max_examples=300, deadline=None)
@given(consistency_cases, st.integers(0, 130), st.integers(0, 130))
def test_consistency_rejects_other_sizes(case: tuple[int, int], old2: int, new2: int) -> None:
    old, new = case
    proof = merkle.consistency_proof(tree(), old, new)
    if old2 != old:
        with pytest.raises(ProofError):
            verify_consistency(old2, new, root(old2), root(new), proof)
    if new2 != new:
        with pytest.raises(ProofError):
            verify_consistency(old, new2, root(old), root(new2), proof)


@settings(max_examples=200, deadline=None)
@given(consistency_cases)
def test_consistency_rejects_truncated_extended_or_swapped_proofs(case: tuple[int, int]) -> None:
    old, new = case
    proof = merkle.consistency_proof(tree(), old, new)
    variants = [proof + [root(old)], [root(old), *proof], proof[:-1], proof[1:]]
    if len(proof) > 1:
        variants.append([proof[1], proof[0], *proof[2:]])
    for variant in variants:
        if variant != proof:
            with pytest.raises(ProofError):
                verify_consistency(old, new, root(old), root(new), variant)


def test_messages_say_got_and_want() -> None:
    leaf, proof = hash_leaf(ENTRIES[3]), merkle.inclusion_proof(tree(), 3, 10)
    with pytest.raises(ProofError, match="inclusion proof has 3 hashes, want 4"):
        verify_inclusion(leaf, 3, 10, proof[:-1], root(10))
    with pytest.raises(ProofError, match=r"gives root [0-9a-f]{16}…, want [0-9a-f]{16}…"):
        verify_inclusion(leaf, 3, 10, proof, root(9))
    with pytest.raises(ProofError, match="leaf index 10 is not below the tree size 10"):
        verify_inclusion(leaf, 10, 10, proof, root(10))
    with pytest.raises(ProofError, match="leaf hash is 31 bytes, want 32"):
        verify_inclusion(leaf[:31], 3, 10, proof, root(10))
    with pytest.raises(ProofError, match="old tree size 11 is larger than the new tree size 10"):
        verify_consistency(11, 10, root(10), root(10), [])
    with pytest.raises(ProofError, match="trees of equal size 10 have different roots"):
        verify_consistency(10, 10, root(10), root(9), [])
    with pytest.raises(ProofError, match="root of the empty tree is"):
        verify_consistency(0, 10, root(1), root(10), [])
    with pytest.raises(ProofError, match="consistency proof has 1 hashes, want 0"):
        verify_consistency(0, 10, EMPTY_ROOT, root(10), [root(1)])
    with pytest.raises(ProofError, match="leaf index is a bool, want an integer"):
        root_from_inclusion_proof(leaf, True, 10, proof)


def test_trivial_consistency_holds() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 7, EMPTY_ROOT, root(7), [])
    verify_consistency(7, 7, root(7), root(7), [])
