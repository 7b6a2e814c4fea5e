"""Text detectors: what customers ask and how agents write, each a module with a frozen ``Config``
(``Config.from_toml(table)``, ``Config.default()``) and ``detect(session, config) -> list[Finding]``.
Their editable defaults are ``chatledger/quality/defaults/<module>.toml`` (Chinese first, commented).

| module       | finds (``Finding.detector``)                                              | severity          |
|--------------|---------------------------------------------------------------------------|-------------------|
| ``topics``   | ``topic.top_question``: the N most asked topics (corpus: ``Sequence[Session]``) | info        |
| ``scripts``  | ``script.<category>_missing`` (greeting, closing, disclosure per channel), ``script.apology_missing``; ``usage()`` per session | minor |
| ``typos``    | ``typo.word`` (confusion set, 在/再), ``typo.de`` (的/地/得), ``typo.pinyin`` (homophones), ``typo.english`` | minor |
| ``rude``     | ``rude.negligent`` (推诿: 不知道, 你问别人去吧), ``rude.rude`` (爱买不买)   | major / critical  |
| ``silence``  | ``silence.long_wait`` (customer kept waiting), ``silence.unanswered``      | minor / major     |
| ``repetition`` | ``repetition.copy_paste``: the same long agent reply sent again and again | minor            |
| ``sentiment``| ``sentiment.customer_angry``, ``sentiment.anger_rising``, ``sentiment.agent_not_calm``; ``message_sentiments()`` | info / major |
| ``resolution`` | ``resolution.resolved`` / ``unresolved`` / ``unconfirmed``, ``resolution.rating`` / ``low_rating``; ``resolve()`` | info / major |
"""

from __future__ import annotations

from chatledger.quality.detectors._lexicon import default_table, default_text

SESSION_DETECTORS = ("scripts", "typos", "rude", "silence", "repetition", "sentiment", "resolution")
"""Modules whose ``detect`` reads one ``Session``."""

CORPUS_DETECTORS = ("topics",)
"""Modules whose ``detect`` reads a ``Sequence[Session]``."""


def default_files() -> dict[str, str]:
    """File name → shipped TOML text of every detector, for ``chatledger quality init`` to write out."""
    return {f"{name}.toml": default_text(name) for name in (*SESSION_DETECTORS, *CORPUS_DETECTORS)}


__all__ = ["CORPUS_DETECTORS", "SESSION_DETECTORS", "default_files", "default_table", "default_text"]
