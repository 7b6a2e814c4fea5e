"""Negligent (推诿: ``不知道``, ``你问别人去吧``) and rude (``爱买不买``, ``神经病``) agent replies, from an
editable lexicon; a rude reply is critical and can fail a session on its own. Polite forms that contain
a listed phrase (``不知道您是否方便``) are listed as exceptions and do not fire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatledger.quality.detectors._lexicon import (
    CompiledCache,
    ConfigValueError,
    PhraseScanner,
    TextMemo,
    default_table,
    get_roles,
    get_str_list,
    get_table,
    message_id,
)
from chatledger.quality.findings import Finding, Role, Session, Severity

NAME = "rude"
_KINDS = ("negligent", "rude")
_LABEL = {"negligent": ("推诿敷衍", "negligent reply"), "rude": ("不礼貌用语", "rude reply")}


@dataclass(frozen=True, slots=True)
class Config:
    roles: frozenset[Role]
    phrases: tuple[tuple[str, str], ...]  # (phrase, kind)
    severities: tuple[tuple[str, Severity], ...]  # (kind, severity)
    exceptions: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        phrases: list[tuple[str, str]] = []
        severities: list[tuple[str, Severity]] = []
        for kind, default in zip(_KINDS, (Severity.MAJOR, Severity.CRITICAL), strict=True):
            section = get_table(table, kind, NAME)
            value = section.get("severity", default.value)
            try:
                severities.append((kind, Severity(value)))
            except ValueError:
                raise ConfigValueError(f"{NAME}.{kind}", "severity", "a severity", value) from None
            phrases.extend((p, kind) for p in get_str_list(section, "phrases", f"{NAME}.{kind}"))
        exceptions = get_table(table, "exceptions", NAME)
        return cls(
            roles=get_roles(table, "roles", NAME, (Role.AGENT,)),
            phrases=tuple(phrases),
            severities=tuple(severities),
            exceptions=tuple((k, get_str_list(exceptions, k, f"{NAME}.exceptions")) for k in exceptions),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


class _Compiled:
    def __init__(self, config: Config) -> None:
        phrases: dict[str, str] = {}
        for phrase, kind in config.phrases:  # rude wins when a phrase is listed twice
            if phrases.get(phrase.lower()) != "rude":
                phrases[phrase.lower()] = kind
        self.scanner = PhraseScanner(
            phrases, {k.lower(): [e.lower() for e in v] for k, v in config.exceptions}
        )
        self.severity = dict(config.severities)
        self.ascii = any(p.isascii() for p in phrases)
        self.classify = TextMemo(self._classify)

    def _classify(self, text: str) -> tuple[str, list[str]] | None:
        """The worst kind of phrase in ``text`` and its phrases, or None."""
        hits = self.scanner.scan(text.lower() if self.ascii else text, longest=True)
        if not hits:
            return None
        kind = "rude" if any(h.payload == "rude" for h in hits) else "negligent"
        return kind, list(dict.fromkeys(h.phrase for h in hits if h.payload == kind))


_COMPILED = CompiledCache(_Compiled)


def detect(session: Session, config: Config) -> list[Finding]:
    """One finding per agent message holding a negligent or rude phrase (the worst kind it holds)."""
    compiled = _COMPILED.get(config)
    out: list[Finding] = []
    for turn in session.turns:
        if turn.role not in config.roles or not turn.message.text:
            continue
        found = compiled.classify(turn.message.text)
        if found is None:
            continue
        kind, phrases = found
        zh, en = _LABEL[kind]
        quoted = "、".join(f"“{p}”" for p in phrases)
        out.append(
            Finding(
                detector=f"rude.{kind}",
                severity=compiled.severity[kind],
                message_ids=(message_id(turn),),
                reason_zh=f"{zh}：客服说了{quoted}",
                reason_en=f"{en}: the agent said {', '.join(repr(p) for p in phrases)}",
                data={"phrases": phrases, "kind": kind},
            )
        )
    return out
