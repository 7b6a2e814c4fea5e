"""An append-only Merkle tree (RFC 9162 §2.1) built over stored hashes: roots and proofs, no verification.

Addressing. A *node* ``(level, index)`` is the root of the perfect subtree over leaves
``[index·2^level, (index+1)·2^level)``; level 0 holds the leaf hashes. Perfect subtrees never change
once complete, so a store keeps them as immutable rows.

Persistence. A store keeps the leaf hashes (level 0) and the nodes of every ``stride``-th level
(``stride``, ``2·stride``, ...); the levels in between are recomputed from at most
``2^(stride-1)`` stored hashes of the level below. With the default stride of 4 that costs one extra
row per 15 leaves, and a proof at ten million leaves reads about a hundred hashes. The store exposes
them through the two-member ``HashReader`` protocol; ``MemoryHashStore`` is the in-memory one.

Appending. ``CompactRange`` is the frontier of a tree of size n: the roots of the perfect subtrees
covering ``[0, n)``, one per set bit of n. ``append`` costs O(log n) worst case (amortised two
hashes) and returns the nodes it completed, which the store saves when their level is a multiple of
its stride. A frontier can be rebuilt from a store in O(log n) reads with ``CompactRange.from_reader``.

Proofs. ``inclusion_proof`` and ``consistency_proof`` follow RFC 9162 §2.1.3.1 (PATH) and
§2.1.4.1 (SUBPROOF): ``inclusion_ranges`` / ``consistency_ranges`` name the subtrees a proof holds,
and each is hashed from the store. A reader may also offer ``read_ranges(ranges)`` (a list of
``(level, start, end)``, answered like ``read_level`` for each): a proof then reads in one call.
Verifying a proof is ``chatledger.integrity.proof``'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from chatledger.errors import ArchiveError
from chatledger.integrity.hasher import EMPTY_ROOT, HASH_SIZE, hash_children

DEFAULT_STRIDE = 4

Node = tuple[int, int, bytes]
"""``(level, index, hash)`` of a completed perfect subtree."""


class HashReader(Protocol):
    """Read access to a tree's stored hashes; a store implements it over its leaf and node tables."""

    @property
    def stride(self) -> int:
        """Levels kept: 0 (the leaves) and every multiple of ``stride``. 1 keeps every level."""
        ...

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        """The hashes of nodes ``start`` to ``end - 1`` at a kept ``level``, in index order.

        Only nodes of complete subtrees are asked for. Return fewer only if the store lacks them.
        """
        ...


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` ≥ 2): RFC 9162's ``k``."""
    return 1 << ((size - 1).bit_length() - 1)


def frontier(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of the perfect subtrees covering ``[0, size)``, leftmost (largest) first."""
    nodes = []
    begin = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, begin >> level))
            begin += 1 << level
    return nodes


def _stored_range(stride: int, level: int, index: int) -> tuple[int, int, int]:
    """The ``(kept level, start, end)`` node ``(level, index)`` is hashed up from."""
    base = level - level % stride
    width = 1 << (level - base)
    return base, index * width, (index + 1) * width


def _hash_up(stored: tuple[int, int, int], hashes: Sequence[bytes]) -> bytes:
    base, start, end = stored
    if len(hashes) != end - start:
        raise ArchiveError(
            f"the hash store returned {len(hashes)} hashes for level {base} nodes "
            f"[{start}, {end}), want {end - start}: the ledger is incomplete"
        )
    level = list(hashes)
    while len(level) > 1:
        level = [hash_children(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def perfect_hash(reader: HashReader, level: int, index: int) -> bytes:
    """The hash of node ``(level, index)``, read or recomputed from the nearest kept level below."""
    stored = _stored_range(reader.stride, level, index)
    return _hash_up(stored, reader.read_level(*stored))


def _perfect_nodes(begin: int, end: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of the perfect subtrees that make up an RFC 9162 node ``[begin, end)``,
    largest (leftmost) first."""
    nodes = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def _fold(parts: list[bytes]) -> bytes:
    """MTH of consecutive perfect subtrees of strictly decreasing size: folded right to left."""
    if not parts:
        return EMPTY_ROOT
    result = parts[-1]
    for h in reversed(parts[:-1]):
        result = hash_children(h, result)
    return result


def subtree_hash(reader: HashReader, begin: int, end: int) -> bytes:
    """MTH of leaves ``[begin, end)`` where that range is a node of an RFC 9162 tree."""
    return _fold([perfect_hash(reader, level, index) for level, index in _perfect_nodes(begin, end)])


def subtree_hashes(reader: HashReader, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """``[subtree_hash(reader, b, e) for b, e in ranges]``; every stored hash they need is read in one
    ``read_ranges`` call when the reader has it."""
    parts = [_perfect_nodes(b, e) for b, e in ranges]
    stride = reader.stride
    stored = [_stored_range(stride, level, index) for nodes in parts for level, index in nodes]
    read_ranges = getattr(reader, "read_ranges", None)
    batch = read_ranges(stored) if read_ranges else [reader.read_level(*r) for r in stored]
    tops = iter([_hash_up(r, hashes) for r, hashes in zip(stored, batch, strict=True)])
    return [_fold([next(tops) for _ in nodes]) for nodes in parts]


def root_hash(reader: HashReader, size: int) -> bytes:
    """The root of the tree over the first ``size`` leaves (``EMPTY_ROOT`` for 0)."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return subtree_hash(reader, 0, size)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), bottom first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges = []
    begin, end = 0, size
    while end - begin > 1:
        k = _split(end - begin)
        if index < begin + k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1), bottom first.

    Empty when ``old_size`` is 0 or equals ``new_size``: there is nothing to prove.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old tree size {old_size} is not between 0 and the new size {new_size}")
    if old_size == 0:
        return []
    ranges = []
    begin, end, m, whole = 0, new_size, old_size, True
    while m != end - begin:
        k = _split(end - begin)
        if m <= k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            m -= k
            begin += k
            whole = False
    if not whole:
        ranges.append((begin, end))
    ranges.reverse()
    return ranges


def inclusion_proof(reader: HashReader, index: int, size: int) -> list[bytes]:
    """The audit path proving leaf ``index`` is in the tree of ``size`` leaves."""
    return subtree_hashes(reader, inclusion_ranges(index, size))


def consistency_proof(reader: HashReader, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size`` leaves."""
    return subtree_hashes(reader, consistency_ranges(old_size, new_size))


class CompactRange:
    """The frontier of a tree: appends in O(log n) and gives the current root without storage reads."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self._size = size
        self._hashes = list(hashes)
        if size < 0 or len(self._hashes) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} has {size.bit_count()} hashes, got {len(self._hashes)}"
            )
        if any(len(h) != HASH_SIZE for h in self._hashes):
            raise ValueError(f"frontier hashes must be {HASH_SIZE} bytes")

    @classmethod
    def from_reader(cls, reader: HashReader, size: int) -> CompactRange:
        """The frontier of the stored tree at ``size``, in O(log size) reads."""
        return cls(size, [perfect_hash(reader, level, index) for level, index in frontier(size)])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier's subtree roots, leftmost (largest) first: ``frontier(size)`` names them."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Add one leaf; return the interior nodes it completed, lowest level first."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf_hash)} bytes, want {HASH_SIZE}")
        n = self._size
        h = leaf_hash
        level = 0
        created: list[Node] = []
        hashes = self._hashes
        while n >> level & 1:
            h = hash_children(hashes.pop(), h)
            level += 1
            created.append((level, n >> level, h))
        hashes.append(h)
        self._size = n + 1
        return created

    def extend(self, leaf_hashes: Iterable[bytes], stride: int = 1) -> list[Node]:
        """Add leaves in order; return the interior nodes they completed on levels divisible by
        ``stride``, in the order ``append`` reports them (one loop: the import appends a leaf per message)."""
        n = self._size
        hashes = self._hashes
        kept: list[Node] = []
        for h in leaf_hashes:
            if len(h) != HASH_SIZE:
                raise ValueError(f"leaf hash is {len(h)} bytes, want {HASH_SIZE}")
            level = 0
            while n >> level & 1:
                h = hash_children(hashes.pop(), h)
                level += 1
                if level % stride == 0:
                    kept.append((level, n >> level, h))
            hashes.append(h)
            n += 1
            self._size = n
        return kept

    def root(self) -> bytes:
        """The root of the tree of ``size`` leaves."""
        if not self._hashes:
            return EMPTY_ROOT
        result = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            result = hash_children(h, result)
        return result


class MemoryHashStore:
    """A ``HashReader`` in lists, appended through a ``CompactRange``: for tests, tools and benchmarks."""

    def __init__(self, *, stride: int = DEFAULT_STRIDE) -> None:
        if stride < 1:
            raise ValueError(f"stride {stride} must be at least 1")
        self._stride = stride
        self._levels: list[list[bytes]] = [[]]
        self._range = CompactRange()

    @property
    def stride(self) -> int:
        return self._stride

    @property
    def size(self) -> int:
        return self._range.size

    @property
    def stored_hashes(self) -> int:
        """How many hashes are kept, leaves included."""
        return sum(len(level) for level in self._levels)

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        if level % self._stride or level // self._stride >= len(self._levels):
            return []
        return self._levels[level // self._stride][start:end]

    def append(self, leaf_hash: bytes) -> None:
        created = self._range.append(leaf_hash)
        levels = self._levels
        levels[0].append(leaf_hash)
        stride = self._stride
        for level, _index, h in created:
            if level % stride == 0:
                slot = level // stride
                if slot == len(levels):
                    levels.append([])
                levels[slot].append(h)

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def root(self) -> bytes:
        """The current root, from the frontier."""
        return self._range.root()
