"""Top questions: the customer question topics a corpus of sessions asks about most.

Each customer message is matched against the topic lexicon (Aho-Corasick, one pass); the questions it
misses are counted by their folded text, the most frequent distinct ones are grouped by similarity
(rapidfuzz ``token_set_ratio`` on jieba tokens, leader clustering) and each group is named by its
TF-IDF-style keywords (inverse frequency from jieba's dictionary). jieba runs only on those few thousand distinct texts, never on the corpus.
A topic counts the sessions that raised it and the messages that did, with example messages.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from chatledger.quality.detectors._lexicon import (
    CUSTOMER,
    CompiledCache,
    ConfigValueError,
    PhraseScanner,
    TextMemo,
    default_table,
    get_number,
    get_str_list,
    get_table,
    jieba_frequencies,
    message_id,
)
from chatledger.quality.findings import Finding, Session, Severity

NAME = "topics"
_NOISE = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"[0-9a-zA-Z]*\d[0-9a-zA-Z]*")


@dataclass(frozen=True, slots=True)
class Config:
    topics: tuple[tuple[str, tuple[str, ...]], ...]
    question_markers: tuple[str, ...]
    top_n: int
    examples: int
    cluster_threshold: float
    max_cluster_texts: int
    min_cluster_size: int
    min_question_chars: int
    small_talk: tuple[str, ...]

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        topics = get_table(table, "topics", NAME)
        for name, words in topics.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ConfigValueError(f"{NAME}.topics", name, "a list of keywords", words)
        return cls(
            topics=tuple((name, tuple(words)) for name, words in topics.items()),
            question_markers=tuple(m.lower() for m in get_str_list(table, "question_markers", NAME)),
            top_n=int(get_number(table, "top_n", NAME, 10)),
            examples=int(get_number(table, "examples", NAME, 3)),
            cluster_threshold=get_number(table, "cluster_threshold", NAME, 70),
            max_cluster_texts=int(get_number(table, "max_cluster_texts", NAME, 2000)),
            min_cluster_size=int(get_number(table, "min_cluster_size", NAME, 3)),
            min_question_chars=int(get_number(table, "min_question_chars", NAME, 5)),
            small_talk=tuple(
                sorted((w.lower() for w in get_str_list(table, "small_talk", NAME)), key=len, reverse=True)
            ),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


@dataclass(slots=True)
class Topic:
    """A question topic: how many sessions and messages raised it, and a few of those messages.

    ``keywords`` are the lexicon words that matched, or for a cluster its jieba keywords;
    ``from_lexicon`` is False for topics found by clustering."""

    name: str
    sessions: int = 0
    messages: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)
    keywords: Counter[str] = field(default_factory=Counter)
    from_lexicon: bool = True


class _Compiled:
    def __init__(self, config: Config) -> None:
        phrases: dict[str, set[str]] = {}
        for name, words in config.topics:
            for word in words:
                phrases.setdefault(word.lower(), set()).add(name)
        self.scanner = PhraseScanner({w: tuple(sorted(n)) for w, n in phrases.items()})
        self.markers = PhraseScanner({m: m for m in config.question_markers})
        self.small_talk = config.small_talk
        self.min_question_chars = config.min_question_chars
        self.read = TextMemo(self._read)

    def _read(self, text: str) -> tuple[tuple[tuple[str, str], ...], bool, str]:
        """(topic, keyword) pairs in ``text``, whether it asks something, and the folded question to
        cluster when no topic matched ("" otherwise)."""
        lowered = text.lower()
        question = bool(self.markers.scan(lowered))
        keywords = tuple((name, hit.phrase) for hit in self.scanner.scan(lowered) for name in hit.payload)
        leftover = ""
        if not keywords and question:
            folded = _fold(lowered, self.small_talk)
            if len(folded) >= self.min_question_chars:
                leftover = folded
        return keywords, question, leftover


_COMPILED = CompiledCache(_Compiled)


def top_questions(sessions: Sequence[Session], config: Config) -> list[Topic]:
    """The ``config.top_n`` topics raised by the most sessions (ties: more messages, then name)."""
    compiled = _COMPILED.get(config)
    topics: dict[str, Topic] = {}
    leftovers: dict[str, list[tuple[int, str, int]]] = {}  # folded text -> (session no, text, id)
    spare: dict[str, list[tuple[int, str]]] = {}  # statements, for topics short of question examples
    for number, session in enumerate(sessions):
        raised: set[str] = set()
        for turn in session.turns:
            if turn.role is not CUSTOMER or not turn.message.text:
                continue
            text = turn.message.text
            keywords, question, leftover = compiled.read(text)
            if leftover:
                leftovers.setdefault(leftover, []).append((number, text, message_id(turn)))
            named: set[str] = set()
            for name, keyword in keywords:
                topic = topics.get(name)
                if topic is None:
                    topic = topics[name] = Topic(name)
                topic.keywords[keyword] += 1
                if name in named:
                    continue
                named.add(name)
                topic.messages += 1
                if len(topic.examples) < config.examples:
                    if question:
                        topic.examples.append((message_id(turn), text))
                    elif len(spare.setdefault(name, [])) < config.examples:
                        spare[name].append((message_id(turn), text))
            raised |= named
        for name in raised:
            topics[name].sessions += 1
    for name, extra in spare.items():
        topic = topics[name]
        topic.examples.extend(extra[: config.examples - len(topic.examples)])
    clusters = _cluster(leftovers, config)
    ranked = sorted([*topics.values(), *clusters], key=lambda t: (-t.sessions, -t.messages, t.name))
    return ranked[: config.top_n]


def _fold(text: str, small_talk: Sequence[str]) -> str:
    """The question without small talk, punctuation and the particular numbers."""
    for phrase in small_talk:
        if phrase in text:
            text = text.replace(phrase, "")
    return _NOISE.sub("", _DIGITS.sub("0", text))


def _cluster(leftovers: dict[str, list[tuple[int, str, int]]], config: Config) -> list[Topic]:
    """Group the most frequent unmatched questions by similarity; name each group by its keywords."""
    if not leftovers:
        return []
    import jieba

    jieba.setLogLevel(60)
    ordered = sorted(leftovers, key=lambda k: (-len(leftovers[k]), k))[: config.max_cluster_texts]
    tokens = [jieba.lcut(k) for k in ordered]
    tokenised = [" ".join(t) for t in tokens]
    assigned = [-1] * len(ordered)
    groups: list[list[int]] = []
    for i in range(len(ordered)):
        if assigned[i] >= 0:
            continue
        assigned[i] = len(groups)
        members = [i]
        rest = [j for j in range(i + 1, len(ordered)) if assigned[j] < 0]
        similar = process.extract(
            tokenised[i],
            [tokenised[j] for j in rest],
            scorer=fuzz.token_set_ratio,
            score_cutoff=config.cluster_threshold,
            limit=None,
        )
        for _, _, position in similar:
            assigned[rest[position]] = assigned[i]
            members.append(rest[position])
        groups.append(members)
    topics = []
    for members in groups:
        occurrences = [o for m in members for o in leftovers[ordered[m]]]
        if len(occurrences) < config.min_cluster_size:
            continue
        keywords = _keywords([tokens[m] for m in members], [len(leftovers[ordered[m]]) for m in members])
        keywords = keywords or [ordered[members[0]][:8]]
        topic = Topic(
            name="/".join(keywords),
            sessions=len({o[0] for o in occurrences}),
            messages=len(occurrences),
            examples=[(o[2], o[1]) for o in occurrences[: config.examples]],
            keywords=Counter({k: len(occurrences) for k in keywords}),
            from_lexicon=False,
        )
        topics.append(topic)
    return topics


def _keywords(texts: list[list[str]], counts: list[int], top: int = 2) -> list[str]:
    """TF-IDF-style: a word's weight is how often the group uses it times log(N / its frequency in
    jieba's dictionary), so 周末 outweighs 你们; single characters and numbers are never keywords."""
    freq = jieba_frequencies()
    total = _dictionary_total()
    tf: Counter[str] = Counter()
    for words, count in zip(texts, counts, strict=True):
        for word in set(words):
            if len(word) > 1 and not word.isdigit():
                tf[word] += count
    weight = {w: n * math.log(total / (freq.get(w, 0) + 1)) for w, n in tf.items()}
    return sorted(weight, key=lambda w: (-weight[w], w))[:top]


def _dictionary_total() -> int:
    import jieba

    jieba_frequencies()  # loads the dictionary
    total: int = jieba.dt.total
    return total


def detect(sessions: Sequence[Session], config: Config) -> list[Finding]:
    """The top topics as info findings naming their example messages."""
    out = []
    for rank, topic in enumerate(top_questions(sessions, config), start=1):
        origin_zh = "" if topic.from_lexicon else "（相似问题聚类）"
        origin_en = "" if topic.from_lexicon else " (clustered similar questions)"
        out.append(
            Finding(
                detector="topic.top_question",
                severity=Severity.INFO,
                message_ids=tuple(mid for mid, _ in topic.examples),
                reason_zh=f"第 {rank} 热门问题“{topic.name}”{origin_zh}：{topic.sessions} 个会话，{topic.messages} 条消息",
                reason_en=f"top question #{rank} '{topic.name}'{origin_en}: {topic.sessions} sessions, {topic.messages} messages",
                data={
                    "rank": rank,
                    "topic": topic.name,
                    "sessions": topic.sessions,
                    "messages": topic.messages,
                    "examples": [text for _, text in topic.examples],
                    "keywords": [k for k, _ in topic.keywords.most_common(5)],
                    "from_lexicon": topic.from_lexicon,
                },
            )
        )
    return out


def session_topics(session: Session, config: Config) -> set[str]:
    """The lexicon topics a session's customer messages raise (for per-topic figures)."""
    compiled = _COMPILED.get(config)
    found: set[str] = set()
    for turn in session.turns:
        if turn.role is CUSTOMER and turn.message.text:
            for hit in compiled.scanner.scan(turn.message.text.lower()):
                found.update(hit.payload)
    return found
