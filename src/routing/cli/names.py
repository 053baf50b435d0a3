"""People and groups by the names people use, with "did you mean" for typos.

A member is named by their name as the hierarchy has it ("Anna de Vries"),
case and spacing aside, or by id as ``#12``; a group by its id
("Wijkgroep Vlinderbuurt"), case aside. An unknown name is a one-line
error that suggests the closest known ones.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from routing.domain.values import GroupKind, MemberId
from routing.errors import UnknownGroupError, UnknownMemberError
from routing.model import Hierarchy
from routing.present.labels import DEFAULT_LANG, Lang, label

from .common import UsageError

__all__ = [
    "all_members",
    "former_member",
    "group_named",
    "member_label",
    "member_named",
    "origin_or_first",
]

_ID = re.compile(r"#?(\d+)")


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def all_members(h: Hierarchy) -> Iterable[MemberId]:
    """Every current member, by id."""
    return (MemberId(m) for m in range(h.issued) if m in h)


def member_label(h: Hierarchy, member: int | None, *, lang: Lang = DEFAULT_LANG) -> str:
    """``Name (#id)``, or ``bot`` (in ``lang``) for no member."""
    if member is None:
        return label("incident.bot", lang)
    try:
        return f"{h.name(member)} (#{member})"
    except LookupError:
        return f"#{member}"


def _close(wanted: str, known: Iterable[str]) -> tuple[str, ...]:
    """The known names closest to ``wanted`` (case and spacing aside): the
    closest, and any about as close, up to three; none below a ratio of 0.6."""
    key = _key(wanted)
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, _key(k)).ratio(), k) for k in set(known)),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.6:
        return ()
    best = scored[0][0]
    # Only the names about as close as the closest: one typo suggests one name.
    return tuple(k for ratio, k in scored[:3] if ratio >= best - 0.03)


def former_member(text: str) -> MemberId | None:
    """The id in ``#id`` (or a bare number), member or not; ``None`` for a name."""
    found = _ID.fullmatch(text.strip())
    return MemberId(int(found.group(1))) if found else None


def member_named(h: Hierarchy, text: str, what: str = "member") -> MemberId:
    """The member ``text`` names (a name, or ``#id``).

    :class:`~routing.errors.UnknownMemberError` with the closest names if
    none is called so; :class:`UsageError` if several are (name one by id).
    """
    found = _ID.fullmatch(text.strip())
    if found:
        mid = int(found.group(1))
        if mid in h:
            return MemberId(mid)
        raise UsageError(f"no {what} #{mid}")
    by_name: dict[str, list[MemberId]] = {}
    for m in all_members(h):
        by_name.setdefault(_key(h.name(m)), []).append(m)
    ids = by_name.get(_key(text))
    if not ids:
        names = {h.name(m) for m in all_members(h)}
        raise UnknownMemberError(text, suggestions=_close(text, names))
    if len(ids) > 1:
        options = ", ".join(f"#{m} in {h.wijkgroep_of(m)}" for m in ids)
        raise UsageError(f"{len(ids)} members are called {text!r}: name one by id ({options})")
    return ids[0]


def group_named(h: Hierarchy, text: str) -> str:
    """The group id ``text`` names (case aside); else
    :class:`~routing.errors.UnknownGroupError` with the closest ids."""
    groups = list(h.groups())
    if text in groups:
        return text
    by_key = {_key(g): g for g in groups}
    found = by_key.get(_key(text))
    if found is not None:
        return found
    raise UnknownGroupError(text, suggestions=_close(text, groups))


def origin_or_first(h: Hierarchy, origin: str | None) -> str:
    """The group ``origin`` names, or the first wijkgroep where none is given."""
    if origin is not None:
        return group_named(h, origin)
    return next(iter(h.groups(GroupKind.WIJKGROEP)))
