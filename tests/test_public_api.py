"""The Python API: ``chatledger.__all__`` is sorted, complete and importable."""

from __future__ import annotations

import chatledger


def test_all_is_sorted_and_importable() -> None:
    assert chatledger.__all__ == sorted(chatledger.__all__)
    for name in chatledger.__all__:
        assert hasattr(chatledger, name), name


def test_public_names_are_exported() -> None:
    public = {
        n
        for n in vars(chatledger)
        if not n.startswith("_") and n[0].isupper() or n in {"import_paths", "open_store"}
    }
    assert public <= set(chatledger.__all__), public - set(chatledger.__all__)
