"""The incremental tree and its proofs against the plain RFC 9162 reference tree."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatledger.errors import ArchiveError
from chatledger.integrity import merkle
from chatledger.integrity.hasher import EMPTY_ROOT, hash_children, hash_leaf
from chatledger.integrity.merkle import CompactRange, MemoryHashStore
from chatledger.integrity.proof import (
    consistency_proof_length,
    inclusion_proof_length,
    verify_consistency,
    verify_inclusion,
)
from tests.integrity import reference

STRIDES = [1, 2, 3, 4]
ENTRIES = reference.entries(300)


@cache
def built(stride: int, size: int = 300) -> MemoryHashStore:
    tree = MemoryHashStore(stride=stride)
    tree.extend(hash_leaf(e) for e in ENTRIES[:size])
    return tree


@cache
def ref_root(size: int) -> bytes:
    return reference.mth(ENTRIES[:size])


def test_hasher_matches_rfc_9162() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hash_leaf(b"") == reference.leaf(b"")
    assert hash_children(b"a" * 32, b"b" * 32) == reference.node(b"a" * 32, b"b" * 32)
    assert hash_leaf(b"\x01" + b"x" * 64) != hash_children(b"x" * 32, b"x" * 32)


@pytest.mark.parametrize("stride", STRIDES)
def test_incremental_roots_match_reference_for_sizes_0_to_300(stride: int) -> None:
    tree = MemoryHashStore(stride=stride)
    assert tree.root() == ref_root(0) == EMPTY_ROOT
    for size in range(1, 301):
        tree.append(hash_leaf(ENTRIES[size - 1]))
        assert tree.root() == ref_root(size), size
    full = built(stride)
    for size in range(301):
        assert merkle.root_hash(full, size) == ref_root(size), size


@pytest.mark.parametrize("stride", STRIDES)
def test_frontier_rebuilds_from_store_and_extends(stride: int) -> None:
    full = built(stride)
    for size in range(0, 301, 7):
        frontier = CompactRange.from_reader(full, size)
        assert frontier.size == size
        assert len(frontier.hashes) == len(merkle.frontier(size)) == size.bit_count()
        assert frontier.root() == ref_root(size)
        for i in range(size, min(size + 9, 300)):
            frontier.append(hash_leaf(ENTRIES[i]))
        assert frontier.root() == ref_root(frontier.size)


def test_append_reports_completed_nodes() -> None:
    frontier = CompactRange()
    seen: dict[tuple[int, int], bytes] = {}
    for i, entry in enumerate(ENTRIES[:64]):
        for level, index, h in frontier.append(hash_leaf(entry)):
            seen[(level, index)] = h
            width = 1 << level
            assert (index + 1) * width == i + 1
            assert h == reference.mth(ENTRIES[index * width : (index + 1) * width])
    assert len(seen) == 63  # every interior node of a perfect tree of 64 leaves, once


@pytest.mark.parametrize("stride", STRIDES)
def test_extend_equals_appends_filtered_by_stride(stride: int) -> None:
    one, many = CompactRange(), CompactRange()
    for start, end in ((0, 1), (1, 5), (5, 64), (64, 64), (64, 200)):
        hashes = [hash_leaf(entry) for entry in ENTRIES[start:end]]
        expected = [node for h in hashes for node in one.append(h) if node[0] % stride == 0]
        assert many.extend(hashes, stride) == expected
        assert (many.size, many.root()) == (one.size, one.root()) == (end, ref_root(end))
    with pytest.raises(ValueError, match="leaf hash"):
        many.extend([hash_leaf(b"x"), b"short"])
    assert many.size == 201  # the leaf before the bad one was added


def test_stride_keeps_few_hashes() -> None:
    assert built(1).stored_hashes == 2 * 300 - (300).bit_count()
    assert built(4).stored_hashes < 300 * 16 // 15 + 5


@pytest.mark.parametrize("stride", STRIDES)
def test_every_inclusion_proof_up_to_size_70_matches_reference_and_verifies(stride: int) -> None:
    tree = built(stride)
    for size in range(1, 71):
        root = merkle.root_hash(tree, size)
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index, size)
            assert proof == reference.path(index, ENTRIES[:size]), (index, size)
            assert len(proof) == inclusion_proof_length(index, size)
            verify_inclusion(hash_leaf(ENTRIES[index]), index, size, proof, root)


@pytest.mark.parametrize("stride", STRIDES)
def test_every_consistency_proof_up_to_size_40_matches_reference_and_verifies(stride: int) -> None:
    tree = built(stride)
    for new in range(0, 41):
        for old in range(0, new + 1):
            proof = merkle.consistency_proof(tree, old, new)
            want = reference.proof(old, ENTRIES[:new]) if old else []
            assert proof == want, (old, new)
            if 0 < old < new:
                assert len(proof) == consistency_proof_length(old, new)
            verify_consistency(old, new, ref_root(old), ref_root(new), proof)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_inclusion_proofs_in_larger_trees(case: tuple[int, int]) -> None:
    index, size = case
    proof = merkle.inclusion_proof(built(4), index, size)
    assert proof == reference.path(index, ENTRIES[:size])
    verify_inclusion(hash_leaf(ENTRIES[index]), index, size, proof, ref_root(size))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_in_larger_trees(case: tuple[int, int]) -> None:
    old, new = case
    proof = merkle.consistency_proof(built(3), old, new)
    assert proof == reference.proof(old, ENTRIES[:new])
    verify_consistency(old, new, ref_root(old), ref_root(new), proof)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3), (6, 5)])
def test_inclusion_proof_rejects_bad_arguments(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_proof(built(4), index, size)


@pytest.mark.parametrize(("old", "new"), [(6, 5), (-1, 4)])
def test_consistency_proof_rejects_bad_arguments(old: int, new: int) -> None:
    with pytest.raises(ValueError, match="not between"):
        merkle.consistency_proof(built(4), old, new)


class _Truncated:
    """A store that lost its last leaves."""

    stride = 4

    def __init__(self, inner: MemoryHashStore, keep: int) -> None:
        self.inner, self.keep = inner, keep

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        return self.inner.read_level(level, start, min(end, self.keep if level == 0 else end))


def test_missing_hashes_raise_archive_error() -> None:
    with pytest.raises(ArchiveError, match=r"returned 0 hashes for level 0 nodes \[296, 300\), want 4"):
        merkle.root_hash(_Truncated(built(4), 296), 300)
    with pytest.raises(ArchiveError):
        merkle.inclusion_proof(built(4), 0, 301)


def test_compact_range_rejects_malformed_state() -> None:
    with pytest.raises(ValueError, match="has 2 hashes, got 1"):
        CompactRange(3, [b"x" * 32])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange(1, [b"x"])
    with pytest.raises(ValueError, match="want 32"):
        CompactRange().append(b"short")
