"""Identity keys come from one canonical serialisation; the fast builders must match it byte for byte."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from chatledger.integrity.canonical import (
    MessageEvidence,
    canonical_json,
    key_by_content,
    key_by_platform_id,
    leaf_data,
    message_leaf_data,
    message_leaf_hash,
    message_leaf_object,
    normalise_text,
)
from chatledger.integrity.hasher import hash_leaf

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@given(
    texts,
    texts,
    st.one_of(st.none(), texts),
    st.integers(-(2**53), 2**53),
    texts,
    texts,
    st.integers(0, 10**6),
)
def test_content_key_is_sha256_of_canonical_json(
    platform: str, conversation: str, sender: str | None, ts_ms: int, kind: str, text: str, ordinal: int
) -> None:
    payload = ["msg/1", platform, conversation, "at", sender, ts_ms, kind, text, ordinal]
    expected = hashlib.sha256(canonical_json(payload)).digest()[:16]
    assert key_by_content(platform, conversation, sender, ts_ms, kind, text, ordinal) == expected


@given(texts, texts, texts)
def test_platform_key_is_sha256_of_canonical_json(platform: str, conversation: str, msg_id: str) -> None:
    expected = hashlib.sha256(canonical_json(["msg/1", platform, conversation, "id", msg_id])).digest()[:16]
    assert key_by_platform_id(platform, conversation, msg_id) == expected


def test_keys_separate_what_differs() -> None:
    base = ("whatsapp", "Ana", "Ana", 1_700_000_000_000, "text", "ok", 0)
    key = key_by_content(*base)
    for index, other in [(2, "Bo"), (3, 1_700_000_000_001), (4, "image"), (5, "ok!"), (6, 1), (1, "Bo")]:
        changed = list(base)
        changed[index] = other
        assert key_by_content(*changed) != key  # type: ignore[arg-type]
    assert key_by_content("whatsapp", "Ana", None, 1, "system", "x", 0) != key_by_content(
        "whatsapp", "Ana", "null", 1, "system", "x", 0
    )


def test_normalise_text() -> None:
    assert normalise_text("\u200eimage omitted") == "image omitted"
    assert normalise_text("  好的\u3000\u3000谢谢 \r\n再见 ") == "好的 谢谢 \n再见"
    assert normalise_text("e\u0301") == "\u00e9"  # NFC
    assert normalise_text("9:05\u202fPM") == "9:05 PM"
    assert normalise_text("plain ascii") == "plain ascii"


# -- ledger leaves ----------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
_optional_text = st.none() | _text
_attachment = st.tuples(
    _text, _text, _text, _optional_text, st.none() | st.integers(0, 2**40), _optional_text, _optional_text,
    _optional_text,
)  # fmt: skip
_evidence = st.builds(
    MessageEvidence,
    _text, _text, _optional_text, _optional_text, st.integers(-(2**62), 2**62), st.integers(-900, 900), _text,
    _text, _text, _optional_text, _optional_text, _optional_text, st.none() | st.integers(0, 2**62), _text,
    st.integers(0, 1000), _text, _text,
    st.none() | st.dictionaries(_text, st.none() | st.booleans() | st.integers() | _text, max_size=3),
    st.lists(_attachment, max_size=2).map(tuple),
)  # fmt: skip


@given(_evidence)
def test_the_fast_message_leaf_is_the_canonical_json_of_the_leaf_object(evidence: MessageEvidence) -> None:
    assert message_leaf_data(evidence) == canonical_json(message_leaf_object(evidence))
    assert message_leaf_hash(evidence) == hash_leaf(leaf_data(json.loads(message_leaf_data(evidence))))


def test_a_tampered_value_of_the_wrong_type_still_serialises() -> None:
    good = MessageEvidence(
        "wechat", "c", "s", None, 1000, 480, "s", "text", "hi", None, None, None, None, "ab", 0, "cd", "line 1",
        None, (),
    )  # fmt: skip
    for tampered in (good._replace(ts_ms="1000"), good._replace(text=5), good._replace(edited_ts_ms=1.5)):
        assert message_leaf_data(tampered) == canonical_json(message_leaf_object(tampered))
        assert message_leaf_data(tampered) != message_leaf_data(good)
