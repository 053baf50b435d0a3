"""Which Matrix account each member uses: the accounts file (``--accounts``).

The neighbourhood's TOML (``docs/configuration.md``) describes the groups and
who is in them; it knows names, not chat accounts, and its reader rejects
keys it does not know. The Matrix IDs live in a file of their own, so the
hierarchy file stays the same for every platform::

    [[account]]
    name = "Anna de Wit"
    matrix = "@anna:buurt.example"

    [[account]]
    name = "bewoner 5"                     # a name several wijkgroepen use ...
    wijkgroep = "Wijkgroep Vogelbuurt"     # ... needs its wijkgroep
    matrix = "@vogel5:buurt.example"

A member without an account is simply not invited; a name that names no
member, or more than one, is an error, as is one Matrix ID for two members.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from routing.domain.values import MemberId
from routing.errors import ConfigError
from routing.model import Hierarchy

__all__ = ["MATRIX_ID", "accounts_from_dict", "check_matrix_id", "load_accounts"]

#: A Matrix user ID as the spec's grammar allows it for new accounts.
MATRIX_ID = re.compile(r"@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?")


def check_matrix_id(value: object) -> str:
    """``value`` if it is a Matrix user ID (``@localpart:server``), else a ValueError."""
    if not isinstance(value, str) or not MATRIX_ID.fullmatch(value):
        raise ValueError(f"not a Matrix user ID (@localpart:server): {value!r}")
    return value


def load_accounts(
    path: str | os.PathLike[str], hierarchy: Hierarchy, *, strict: bool = True
) -> dict[MemberId, str]:
    """The accounts file at ``path`` read against ``hierarchy``: member -> Matrix ID.

    ``strict=False`` skips names that name no member (any more): the bridge
    reads the file against a journal's hierarchy, where an erased member's
    name is gone."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"invalid TOML: {e}", path=os.fspath(path)) from None
    return accounts_from_dict(data, hierarchy, path=os.fspath(path), strict=strict)


def _names(hierarchy: Hierarchy) -> dict[tuple[str, str], MemberId]:
    found: dict[tuple[str, str], MemberId] = {}
    for wg in hierarchy.groups():
        if hierarchy.kind(wg).value != "wijkgroep":
            continue
        for mid in hierarchy.residents(wg):
            found[hierarchy.name(mid), wg] = mid
    return found


def accounts_from_dict(
    data: Mapping[str, Any],
    hierarchy: Hierarchy,
    *,
    path: str | None = None,
    strict: bool = True,
) -> dict[MemberId, str]:
    """An already parsed accounts file (see the module docstring)."""
    unknown = set(data) - {"account"}
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r} (known: account)", path=path)
    entries = data.get("account", [])
    if not isinstance(entries, list):
        raise ConfigError("expected an array of [[account]] tables", path=path, entry="account")
    names = _names(hierarchy)
    by_name: dict[str, list[tuple[str, MemberId]]] = {}
    for (who, where), mid in names.items():
        by_name.setdefault(who, []).append((where, mid))
    out: dict[MemberId, str] = {}
    owner: dict[str, int] = {}
    for i, entry in enumerate(entries):
        at = f"account[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError("expected a table", path=path, entry=at)
        extra = set(entry) - {"name", "wijkgroep", "matrix"}
        if extra:
            raise ConfigError(
                f"unknown key {sorted(extra)[0]!r} (known: matrix, name, wijkgroep)",
                path=path,
                entry=at,
            )
        name, wg = entry.get("name"), entry.get("wijkgroep")
        if not isinstance(name, str) or not name:
            raise ConfigError("missing required key 'name'", path=path, entry=at)
        try:
            mxid = check_matrix_id(entry.get("matrix"))
        except ValueError as e:
            raise ConfigError(str(e), path=path, entry=f"{at}.matrix") from None
        candidates = by_name.get(name, [])
        if wg is not None:
            candidates = [(g, m) for g, m in candidates if g == wg]
        if not candidates and not strict:
            continue  # an erased or departed member: no account any more
        if not candidates:
            where = f" in {wg!r}" if wg is not None else ""
            raise ConfigError(f"{name!r} is not a member{where}", path=path, entry=at)
        if len(candidates) > 1:
            groups = ", ".join(sorted(g for g, _ in candidates))
            raise ConfigError(
                f"{name!r} is ambiguous (in {groups}); add wijkgroep = ...", path=path, entry=at
            )
        mid = candidates[0][1]
        if mxid in owner and owner[mxid] != mid:
            raise ConfigError(f"{mxid} is the account of two members", path=path, entry=at)
        if mid in out and out[mid] != mxid:
            raise ConfigError(f"{name!r} has two accounts", path=path, entry=at)
        owner[mxid] = mid
        out[mid] = mxid
    return out
