"""People across platforms: link handles (WeChat id, DingTalk user, e-mail address, phone) to one person.

Links are made by the user; ``suggest_links`` only proposes them, from handles that share a phone
number, an e-mail address, or a display name, on different platforms or under different ids.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from chatledger.errors import InputError, NotFoundError
from chatledger.model import Participant, Person, Platform
from chatledger.store import Store

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)\+?\d[\d\s\-().\u202a-\u202e]{6,}\d(?!\d)")


@dataclass(frozen=True, slots=True)
class LinkSuggestion:
    """Handles that look like one person, why, and the name to give them."""

    reason: str  # "same phone 8613800000000", "same e-mail ana@example.com", "same name 张三"
    name: str
    handles: tuple[Participant, ...]


def _phones(participant: Participant) -> set[str]:
    found = set()
    for text in (participant.platform_id, participant.display_name, *participant.aliases):
        for match in _PHONE.findall(text):
            digits = re.sub(r"\D", "", match)
            if 7 <= len(digits) <= 15:
                found.add(digits[-11:] if len(digits) >= 11 else digits)  # 86 138… and 138… agree
    return found


def _emails(participant: Participant) -> set[str]:
    return {
        m.lower() for text in (participant.platform_id, *participant.aliases) for m in _EMAIL.findall(text)
    }


def _names(participant: Participant) -> set[str]:
    names = {participant.display_name, *participant.aliases}
    return {n.strip().casefold() for n in names if n.strip() and n.strip() != participant.platform_id}


def suggest_links(store: Store) -> list[LinkSuggestion]:
    """Groups of handles that share a phone, an e-mail or a name and are not yet one person."""
    handles = [p for p in store.participants() if not p.is_self]
    suggestions: list[LinkSuggestion] = []
    seen: set[frozenset[int]] = set()
    for reason, keys in (("phone", _phones), ("e-mail", _emails), ("name", _names)):
        groups: dict[str, list[Participant]] = defaultdict(list)
        for participant in handles:
            for key in keys(participant):
                groups[key].append(participant)
        for key, members in sorted(groups.items()):
            people = {m.person_id for m in members}
            if len(members) < 2 or (len(people) == 1 and None not in people):
                continue
            if reason == "name" and len({m.platform for m in members}) < 2:
                continue  # the same name on one platform is often two people
            ids = frozenset(m.id or 0 for m in members)
            if ids in seen:
                continue
            seen.add(ids)
            name = next(
                (m.display_name for m in members if m.display_name != m.platform_id), members[0].display_name
            )
            suggestions.append(LinkSuggestion(f"same {reason} {key}", name, tuple(members)))
    return suggestions


def resolve_handle(store: Store, ref: str) -> Participant:
    """A handle from its archive id, ``platform:id``, or an id/name unique in the archive."""
    everyone = store.participants()
    if ref.isdigit():
        found = [p for p in everyone if p.id == int(ref)]
    else:
        platform, sep, rest = ref.partition(":")
        if sep and platform in {p.value for p in Platform}:
            found = [p for p in everyone if p.platform == platform and p.platform_id == rest]
        else:
            found = store.find_participants(ref)
    if len(found) != 1:
        listed = "; ".join(f"{p.id} {p.platform}:{p.platform_id} ({p.display_name})" for p in found[:8])
        problem = "matches no handle" if not found else f"matches {len(found)} handles: {listed}"
        raise NotFoundError(
            f"{ref!r} {problem}. Name one by its id or as platform:id (`chatledger people handles`)."
        )
    return found[0]


def resolve_person(store: Store, ref: str) -> Person:
    people = store.people()
    found = [p for p in people if str(p.id) == ref or p.name == ref] or [
        p for p in people if ref.casefold() in p.name.casefold()
    ]
    if len(found) != 1:
        raise NotFoundError(f"{ref!r} matches {len(found)} people; `chatledger people` lists them.")
    return found[0]


def link(store: Store, name: str, handles: list[Participant], *, how: str = "manual") -> Person:
    """Link handles to the person called ``name`` (created if needed); a handle moves from any other person."""
    if not handles:
        raise InputError("name at least one handle to link.")
    with store.transaction():
        existing = [p for p in store.people() if p.name == name]
        person_id = existing[0].id if existing else store.create_person(name)
        for handle in handles:
            store.link_handle(person_id, handle.id or 0, how=how)
    return next(p for p in store.people() if p.id == person_id)
