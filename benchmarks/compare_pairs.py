"""Pairs of sides with known differences, for compare's tests and benchmark.

Side A is a generated corpus (``benchmarks.corpus``, generic-jsonl with its truth sidecar) read into
``Message`` objects in file order; side B is A with changes injected at known places: deletions,
insertions, alterations, re-timed and re-ordered messages, messages given to another sender, kind
changes (a photo written as ``[图片]``), recalls, a renamed sender, a clock offset and minute precision.
``Truth`` records which A / B positions each change touched. ``repetitive_messages`` is the adversarial
side A: nearly every text one of a few strings, one sender, bursts in one second.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks.corpus import generate
from chatledger.model import Message, MessageKind, TimePrecision

CHANGES = ("only_a", "only_b", "altered", "retimed", "reordered", "sender", "kind", "recalled")


@dataclass
class Truth:
    """Where each change went: A positions (only_b: B positions; reordered: pairs of A positions)."""

    changed: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in CHANGES})
    swaps: list[tuple[int, int]] = field(default_factory=list)
    offset_ms: int = 0
    renamed: tuple[str, str] | None = None


def corpus_messages(n: int, *, seed: int) -> list[Message]:
    """``n`` generated messages (several chats) as an importer would yield them, in file order."""
    with tempfile.TemporaryDirectory() as folder:
        truth_path = Path(folder) / "truth.jsonl"
        generate("generic-jsonl", n, Path(folder) / "corpus.jsonl", seed=seed, truth_path=truth_path)
        return list(_read_truth(truth_path))


REPEATED = ("好的", "ok", "[图片]", "嗯嗯", "收到", "谢谢")


def repetitive_messages(n: int, *, seed: int) -> list[Message]:
    """``n`` messages in 10 chats of two senders where about 90 % of messages are one of ``REPEATED``
    (``[图片]`` as an image) in bursts of 1-40 copies of one text within one second, and the rest numbered
    sentences; 90 % of bursts come from one sender. Worst case for line diffs (difflib without autojunk is quadratic
    here) and for any aligner that pairs by text."""
    rng = random.Random(seed)
    out: list[Message] = []
    ts = [1_700_000_000_000 + chat * 1_000 for chat in range(10)]
    while len(out) < n:
        chat = rng.randrange(10)
        sender = f"c{chat}_agent" if rng.random() < 0.9 else f"c{chat}_customer"
        ts[chat] += rng.choice((0, 1_000, 1_000, 2_000, 60_000))
        if rng.random() < 0.3:  # x 20.5 copies on average: 90 % of messages
            text = rng.choice(REPEATED)
            burst = min(rng.randrange(1, 41), n - len(out))
        else:
            text, burst = f"第{len(out)}号订单已经处理完毕，请查收", 1
        kind = MessageKind.IMAGE if text == "[图片]" else MessageKind.TEXT
        for _ in range(burst):
            index = len(out)
            out.append(
                Message(
                    conversation=f"chat{chat}",
                    sender=sender,
                    ts_ms=ts[chat],
                    kind=kind,
                    text=text,
                    locator=f"line {index + 2}",
                    id=index,
                    conversation_id=chat + 1,
                )
            )
    return out


def _read_truth(path: Path) -> Iterator[Message]:
    chats: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            chat = record["conversation"]
            yield Message(
                conversation=chat,
                sender=record["sender_id"],
                sender_name=record["sender"],
                ts_ms=record["ts"] * 1000,
                kind=MessageKind(record["kind"]),
                text=record["text"],
                locator=f"line {record['i'] + 2}",
                id=record["i"],
                conversation_id=chats.setdefault(chat, len(chats) + 1),
            )


def _alter(text: str, rng: random.Random) -> str:
    """A small edit: a changed amount, a word added or removed, as when a record is tampered with."""
    position = rng.randrange(len(text) + 1)
    choice = rng.random()
    if choice < 0.4 or position < 2:
        return text[:position] + rng.choice(("不", "没", "已经", "9", "千万")) + text[position:]
    if choice < 0.7 and len(text) > 6:
        return text[: max(0, position - 2)] + text[position:]
    return text[:position] + rng.choice(("改", "退", "8")) + text[position + 1 :]


def make_pair(
    a: list[Message],
    *,
    rate: float = 0.01,
    seed: int = 0,
    offset_ms: int = 0,
    rename: bool = False,
    minutes: bool = False,
) -> tuple[list[Message], Truth]:
    """Side B for side A with each kind of change injected at ``rate`` (a share of A's messages)."""
    rng = random.Random(seed)
    truth = Truth(offset_ms=offset_ms)
    count = max(1, int(len(a) * rate))
    free = list(range(1, len(a) - 1))
    rng.shuffle(free)
    used: set[int] = set()

    def pick(accept: object = None) -> int:
        while free:
            index = free.pop()
            near = {index - 1, index, index + 1}
            if near & used or (callable(accept) and not accept(a[index])):
                continue
            used.update(near)
            return index
        raise ValueError("side A is too small for these changes")

    texts = [m for m in a if m.kind is MessageKind.TEXT]
    senders_of: dict[int, list[str]] = {}
    for m in a:
        if m.sender is not None and m.sender not in senders_of.setdefault(m.conversation_id or 0, []):
            senders_of[m.conversation_id or 0].append(m.sender)
    b: list[Message | None] = list(a)
    inserted: list[tuple[int, Message]] = []

    def plain_text(m: Message) -> bool:
        return m.kind is MessageKind.TEXT and len(m.text) >= 6 and m.sender is not None

    for _ in range(count):
        i = pick()
        b[i] = None
        truth.changed["only_a"].append(i)
        i = pick()
        source = rng.choice(texts)
        text = f"另外补充一句：{rng.randrange(10**6)}号{source.text[:12]}"
        new = replace(
            a[i],
            kind=MessageKind.TEXT,
            text=text,
            ts_ms=a[i].ts_ms + rng.randrange(1, 30_000),
            id=None,
            locator="",
        )
        inserted.append((i, new))
        i = pick(plain_text)
        b[i] = replace(a[i], text=_alter(a[i].text, rng))
        truth.changed["altered"].append(i)
        i = pick()
        b[i] = replace(a[i], ts_ms=a[i].ts_ms + rng.choice((-1, 1)) * rng.randrange(300_000, 3_000_000))
        truth.changed["retimed"].append(i)
        i = pick(lambda m: m.sender is not None and len(senders_of[m.conversation_id or 0]) > 1)
        others = [s for s in senders_of[a[i].conversation_id or 0] if s != a[i].sender]
        b[i] = replace(a[i], sender=rng.choice(others))
        truth.changed["sender"].append(i)
        i = pick(plain_text)
        b[i] = replace(a[i], kind=MessageKind.IMAGE, text="[图片]")
        truth.changed["kind"].append(i)
        i = pick(lambda m: m.kind is not MessageKind.RECALL and m.sender is not None)
        b[i] = replace(
            a[i], kind=MessageKind.RECALL, text=f'"{a[i].sender}" 撤回了一条消息', ts_ms=a[i].ts_ms + 40_000
        )
        truth.changed["recalled"].append(i)
        i = pick(lambda m: m.ts_ms != 0)
        if a[i + 1].conversation_id == a[i].conversation_id and a[i + 1].text != a[i].text:
            b[i], b[i + 1] = b[i + 1], b[i]
            used.add(i + 2)
            truth.swaps.append((i, i + 1))
    out: list[Message] = []
    insert_at = dict(inserted)
    for index, message in enumerate(b):
        if message is not None:
            out.append(message)
        if index in insert_at:
            truth.changed["only_b"].append(len(out))
            out.append(insert_at[index])
    if rename:
        victim = max(senders_of.values(), key=len)[0]
        truth.renamed = (victim, f"renamed_{victim}")
    final: list[Message] = []
    for index, message in enumerate(out):
        ts = message.ts_ms + offset_ms
        precision = message.precision
        if minutes:
            ts, precision = ts - ts % 60_000, TimePrecision.MINUTE
        sender = message.sender
        if truth.renamed and sender == truth.renamed[0]:
            sender = truth.renamed[1]
        final.append(
            replace(
                message, ts_ms=ts, precision=precision, sender=sender, locator=f"line {index + 2}", id=index
            )
        )
    return final, truth
