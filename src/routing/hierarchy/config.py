"""Load a neighbourhood from TOML: :func:`load_hierarchy`, :func:`hierarchy_from_dict`.

A file describes gemeenten, their wijken, and in each wijk the stuurgroepen
with the wijkgroepen they manage. The full reference with examples
is ``docs/configuration.md``; in short::

    [settings]                          # optional; the defaults are the Zoomwijck's
    platform = "whatsapp"               # a preset name, or {name, member_limit}
    split_threshold = 80                # G2: phase 2 after more than 80 residents
    nearly_full_ratio = 0.9             # flag groups at 90% of their limit
    stuurgroep_size = [3, 4]            # G4: 3-4 stuurgroep members
    spelregels = "2024-1"               # H10: the version new members must accept

    [[gemeente]]
    name = "Voorbeeldstad"
    # optional; id, or {id, delegates = [names], platform}
    gemeentelijke_regiegroep = { id = "Regiegroep Voorbeeldstad" }

    [[gemeente.wijk]]
    name = "Zoomwijck"
    regiegroep = "Regiegroep Zoomwijck" # optional; id, or {id, platform}

    [[gemeente.wijk.stuurgroep]]
    id = "Stuurgroep Zoomwijck"
    members = ["Anna", "Bram", "Cees"]  # residents of its wijkgroepen (S1)
    telefoonbeheerder = "Cees"          # one of the members (T1-T3)
    platform = "signal"                 # optional; its wijkgroepen inherit it

    [[gemeente.wijk.stuurgroep.wijkgroep]]
    id = "Wijkgroep Zoomwijck"
    buurt = "Vlinderbuurt"              # optional; the default buurt of its residents
    platform = "whatsapp"               # optional
    residents = ["Anna", { name = "Bram", buurt = "Bomenbuurt" }, "Cees"]
    more_residents = 40                 # "bewoner 1" .. "bewoner 40"
    # or per buurt: more_residents = { Vlinderbuurt = 20, Bomenbuurt = 20 }

Every table rejects keys it does not know, so a typo fails loudly instead of
being ignored. Any problem raises :class:`~routing.errors.ConfigError` whose
``path`` is the file, ``entry`` the dotted place in it (for example
``gemeente[0].wijk[1].stuurgroep[0].members[2]``) and ``problem`` what is
wrong. A refusal by the model while building (a stuurgroep of five, a group
past its limit) becomes a ConfigError at the entry that caused it, with the
refusal as its ``__cause__``.

Loading reads the whole file first and only then builds, through the public
:class:`~routing.model.Hierarchy` API, so the file gets exactly the checks
that an app gets. The hierarchy under construction is private until it is
complete: the caller gets a whole hierarchy or an exception, never a part.

The residents a file lists are taken as admitted by a member register that
checked the house rules at sign-up (H1, H2, H10); see
:meth:`~routing.domain.values.Applicant.registered`.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import attrs

from routing.domain.settings import PLATFORMS, Platform, Settings
from routing.domain.values import Applicant, MemberId
from routing.errors import ConfigError, RoutingError
from routing.model import Hierarchy

from .entries import EntryReader, subentry

__all__ = ["hierarchy_from_dict", "load_hierarchy"]

#: The prefix of generated names for ``more_residents``.
_ANONYMOUS = "bewoner"


def load_hierarchy(path: str | os.PathLike[str]) -> Hierarchy:
    """Read a neighbourhood from the TOML file at *path*.

    Raises :class:`~routing.errors.ConfigError` if the file is not valid TOML
    (nested too deep included) or does not describe a valid neighbourhood;
    the file's own read errors (missing, unreadable) propagate as
    :class:`OSError`.
    """
    name = os.fspath(path)
    with open(name, "rb") as f:
        raw = f.read()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text ({e.reason} at byte {e.start})", path=name) from e
    except tomllib.TOMLDecodeError as e:
        # The message ends with "(at line L, column C)", which is what a person needs.
        raise ConfigError(f"invalid TOML: {e}", path=name) from e
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively; a file
        # nested hundreds deep is no neighbourhood, and the traceback would
        # be thousands of lines. ``from None``: the chain is that traceback.
        raise ConfigError("invalid TOML: values nested too deep", path=name) from None
    return hierarchy_from_dict(data, path=name)


def hierarchy_from_dict(data: Mapping[str, Any], *, path: str | None = None) -> Hierarchy:
    """Build a hierarchy from the parsed form of a neighbourhood file.

    *data* has the shape that :func:`tomllib.loads` returns for the format in
    this module's docstring. *path* only names the source in errors.
    """
    reader = _Reader(path)
    return reader.build(reader.document(data))


# --------------------------------------------------------------------- the parsed file
#
# The file is parsed into these private values before anything is built, so
# that every problem a file can have on its own (types, keys, names) is found
# before the model sees it, and each carries the entry it came from.


@attrs.frozen(kw_only=True)
class _Resident:
    name: str
    buurt: str | None
    entry: str
    anonymous: bool


@attrs.frozen(kw_only=True)
class _Wijkgroep:
    id: str
    platform: Platform
    residents: tuple[_Resident, ...]
    entry: str


@attrs.frozen(kw_only=True)
class _Stuurgroep:
    id: str
    platform: Platform
    wijkgroepen: tuple[_Wijkgroep, ...]
    #: (wijkgroep index, resident index) of each member, in the file's order.
    members: tuple[tuple[int, int], ...]
    member_names: tuple[str, ...]
    telefoonbeheerder: int
    entry: str


@attrs.frozen(kw_only=True)
class _Regiegroep:
    id: str
    platform: Platform | None
    entry: str


@attrs.frozen(kw_only=True)
class _Wijk:
    name: str
    regiegroep: _Regiegroep | None
    stuurgroepen: tuple[_Stuurgroep, ...]
    entry: str


@attrs.frozen(kw_only=True)
class _GemeentelijkeRegiegroep:
    id: str
    platform: Platform | None
    #: (wijk index, stuurgroep index, member index) of each delegate; None: all.
    delegates: tuple[tuple[int, int, int], ...] | None
    entry: str


@attrs.frozen(kw_only=True)
class _Gemeente:
    name: str
    regiegroep: _GemeentelijkeRegiegroep | None
    wijken: tuple[_Wijk, ...]
    entry: str


@attrs.frozen(kw_only=True)
class _Document:
    settings: Settings
    gemeenten: tuple[_Gemeente, ...]


_SETTINGS_KEYS = (
    "platform",
    "split_threshold",
    "nearly_full_ratio",
    "stuurgroep_size",
    "spelregels",
)


class _Reader(EntryReader):
    """Parses one document and builds it, raising ConfigErrors that name the file."""

    def __init__(self, path: str | None) -> None:
        super().__init__(path)
        self.group_ids: dict[str, str] = {}  # group id -> entry that defined it
        self.wijk_names: dict[str, str] = {}

    # ---------------------------------------------------- ids and platforms

    def group_id(self, value: object, entry: str) -> str:
        gid = self.text(value, entry)
        first = self.group_ids.setdefault(gid, entry)
        if first != entry:
            self.fail(entry, f"duplicate group id {gid!r} (first used at {first})")
        return gid

    def platform(self, value: object, entry: str) -> Platform:
        """A preset name, or a table {name, member_limit} (G3)."""
        if isinstance(value, str):
            return self.preset(value, entry)
        t = self.table(value, entry, required=("name",), optional=("member_limit",))
        name = self.text(t["name"], subentry(entry, "name"))
        if "member_limit" not in t:
            return self.preset(name, subentry(entry, "name"))
        limit_entry = subentry(entry, "member_limit")
        limit = self.integer(t["member_limit"], limit_entry)
        try:
            return Platform(name=name, member_limit=limit)
        except ConfigError as e:
            self.fail(limit_entry, e.problem)

    def preset(self, name: object, entry: str) -> Platform:
        name = self.text(name, entry)
        try:
            return PLATFORMS[name]
        except KeyError:
            known = ", ".join(sorted(PLATFORMS))
            self.fail(
                entry,
                f"unknown platform {name!r} (known: {known}; or give a table "
                "{name, member_limit} for another)",
            )

    # -------------------------------------------------------------- the format

    def document(self, data: object) -> _Document:
        top = self.table(data, "", required=("gemeente",), optional=("settings",))
        settings = self.settings(top["settings"]) if "settings" in top else Settings()
        gemeenten: list[_Gemeente] = []
        names: dict[str, str] = {}
        for entry, value in self.tables(top["gemeente"], "gemeente"):
            gemeente = self.gemeente(value, entry, settings)
            first = names.setdefault(gemeente.name, entry)
            if first != entry:
                self.fail(
                    subentry(entry, "name"), f"duplicate gemeente {gemeente.name!r} ({first})"
                )
            gemeenten.append(gemeente)
        return _Document(settings=settings, gemeenten=tuple(gemeenten))

    def settings(self, value: object) -> Settings:
        entry = "settings"
        t = self.table(value, entry, optional=_SETTINGS_KEYS)
        changes: dict[str, Any] = {}
        for key, raw in t.items():
            at = subentry(entry, key)
            if key == "platform":
                changes[key] = self.platform(raw, at)
            elif key == "nearly_full_ratio":
                changes[key] = self.number(raw, at)
            elif key == "spelregels":
                changes[key] = self.text(raw, at)
            elif key == "stuurgroep_size":
                pair = self.array(raw, at)
                if len(pair) != 2:
                    self.fail(at, f"expected [smallest, largest], got {len(pair)} values")
                changes[key] = tuple(self.integer(v, f"{at}[{i}]") for i, v in enumerate(pair))
            else:
                changes[key] = self.integer(raw, at)
            # Settings validates each range itself; trying one key at a time
            # tells which entry its ConfigError is about.
            try:
                attrs.evolve(Settings(), **{key: changes[key]})
            except ConfigError as e:
                self.fail(at, e.problem)
        return Settings(**changes)

    def gemeente(self, value: object, entry: str, settings: Settings) -> _Gemeente:
        t = self.table(
            value, entry, required=("name", "wijk"), optional=("gemeentelijke_regiegroep",)
        )
        name = self.text(t["name"], subentry(entry, "name"))
        wijken = tuple(
            self.wijk(v, e, settings) for e, v in self.tables(t["wijk"], subentry(entry, "wijk"))
        )
        regiegroep = None
        if "gemeentelijke_regiegroep" in t:
            regiegroep = self.gemeentelijke(
                t["gemeentelijke_regiegroep"], subentry(entry, "gemeentelijke_regiegroep"), wijken
            )
        return _Gemeente(name=name, regiegroep=regiegroep, wijken=wijken, entry=entry)

    def gemeentelijke(
        self, value: object, entry: str, wijken: Sequence[_Wijk]
    ) -> _GemeentelijkeRegiegroep:
        if isinstance(value, str):
            value = {"id": value}
        t = self.table(value, entry, required=("id",), optional=("delegates", "platform"))
        gid = self.group_id(t["id"], subentry(entry, "id"))
        plat = (
            self.platform(t["platform"], subentry(entry, "platform")) if "platform" in t else None
        )
        delegates = None
        if "delegates" in t:
            at = subentry(entry, "delegates")
            names = self.array(t["delegates"], at)
            if not names:
                self.fail(at, "needs at least one delegate (leave the key out for all)")
            # Delegates come from the regiegroepen, so only stuurgroep
            # members of wijken that have one qualify.
            eligible: dict[str, list[tuple[int, int, int]]] = {}
            for w, wijk in enumerate(wijken):
                if wijk.regiegroep is None:
                    continue
                for s, sg in enumerate(wijk.stuurgroepen):
                    for m, member in enumerate(sg.member_names):
                        eligible.setdefault(member, []).append((w, s, m))
            chosen: list[tuple[int, int, int]] = []
            for i, raw in enumerate(names):
                name = self.text(raw, f"{at}[{i}]")
                found = eligible.get(name, [])
                if not found:
                    self.fail(
                        f"{at}[{i}]",
                        f"{name!r} is not a stuurgroep member of a wijk with a regiegroep",
                    )
                if len(found) > 1:
                    self.fail(f"{at}[{i}]", f"{name!r} is ambiguous: several members are called so")
                if found[0] in chosen:
                    self.fail(f"{at}[{i}]", f"{name!r} is listed twice")
                chosen.append(found[0])
            delegates = tuple(chosen)
        return _GemeentelijkeRegiegroep(id=gid, platform=plat, delegates=delegates, entry=entry)

    def wijk(self, value: object, entry: str, settings: Settings) -> _Wijk:
        t = self.table(value, entry, required=("name", "stuurgroep"), optional=("regiegroep",))
        name_entry = subentry(entry, "name")
        name = self.text(t["name"], name_entry)
        # The model knows a wijk by its name alone, across gemeenten.
        first = self.wijk_names.setdefault(name, name_entry)
        if first != name_entry:
            self.fail(name_entry, f"duplicate wijk {name!r} (first at {first})")
        stuurgroepen = tuple(
            self.stuurgroep(v, e, settings)
            for e, v in self.tables(t["stuurgroep"], subentry(entry, "stuurgroep"))
        )
        regiegroep = None
        if "regiegroep" in t:
            at = subentry(entry, "regiegroep")
            raw = t["regiegroep"]
            if isinstance(raw, str):
                raw = {"id": raw}
            rt = self.table(raw, at, required=("id",), optional=("platform",))
            plat = (
                self.platform(rt["platform"], subentry(at, "platform"))
                if "platform" in rt
                else None
            )
            regiegroep = _Regiegroep(
                id=self.group_id(rt["id"], subentry(at, "id")), platform=plat, entry=at
            )
        return _Wijk(name=name, regiegroep=regiegroep, stuurgroepen=stuurgroepen, entry=entry)

    def stuurgroep(self, value: object, entry: str, settings: Settings) -> _Stuurgroep:
        t = self.table(
            value,
            entry,
            required=("id", "members", "telefoonbeheerder", "wijkgroep"),
            optional=("platform",),
        )
        gid = self.group_id(t["id"], subentry(entry, "id"))
        explicit = (
            self.platform(t["platform"], subentry(entry, "platform")) if "platform" in t else None
        )
        plat = explicit or settings.platform
        wijkgroepen = tuple(
            self.wijkgroep(v, e, plat)
            for e, v in self.tables(t["wijkgroep"], subentry(entry, "wijkgroep"))
        )
        if wijkgroepen[0].platform != plat:
            # found_neighbourhood creates a stuurgroep together with its first
            # wijkgroep on one platform (G1); the model has no way to differ.
            self.fail(
                subentry(wijkgroepen[0].entry, "platform"),
                f"the first wijkgroep of a stuurgroep is founded with it and shares its "
                f"platform ({plat.name}, {plat.member_limit}); put the stuurgroep on "
                f"{wijkgroepen[0].platform.name} or list another wijkgroep first",
            )
        residents: dict[str, list[tuple[int, int]]] = {}
        for w, wg in enumerate(wijkgroepen):
            for r, resident in enumerate(wg.residents):
                residents.setdefault(resident.name, []).append((w, r))

        at = subentry(entry, "members")
        members: list[tuple[int, int]] = []
        names: list[str] = []
        for i, raw in enumerate(self.array(t["members"], at)):
            name = self.text(raw, f"{at}[{i}]")
            found = residents.get(name, [])
            if not found:
                self.fail(
                    f"{at}[{i}]",
                    f"{name!r} is not a resident of a wijkgroep of this stuurgroep "
                    "(stuurgroep members are residents, 002)",
                )
            if len(found) > 1:
                self.fail(f"{at}[{i}]", f"{name!r} is ambiguous: several residents are called so")
            if name in names:
                self.fail(f"{at}[{i}]", f"{name!r} is listed twice")
            members.append(found[0])
            names.append(name)
        tfb_entry = subentry(entry, "telefoonbeheerder")
        tfb = self.text(t["telefoonbeheerder"], tfb_entry)
        if tfb not in names:
            self.fail(tfb_entry, f"{tfb!r} is not one of the stuurgroep's members (T1)")
        return _Stuurgroep(
            id=gid,
            platform=plat,
            wijkgroepen=wijkgroepen,
            members=tuple(members),
            member_names=tuple(names),
            telefoonbeheerder=names.index(tfb),
            entry=entry,
        )

    def wijkgroep(self, value: object, entry: str, inherited: Platform) -> _Wijkgroep:
        t = self.table(
            value,
            entry,
            required=("id",),
            optional=("buurt", "platform", "residents", "more_residents"),
        )
        gid = self.group_id(t["id"], subentry(entry, "id"))
        buurt = self.text(t["buurt"], subentry(entry, "buurt")) if "buurt" in t else None
        plat = (
            self.platform(t["platform"], subentry(entry, "platform"))
            if "platform" in t
            else inherited
        )
        residents: list[_Resident] = []
        if "residents" in t:
            at = subentry(entry, "residents")
            for i, raw in enumerate(self.array(t["residents"], at)):
                residents.append(self.resident(raw, f"{at}[{i}]", buurt))
        if "more_residents" in t:
            residents.extend(self.anonymous(t["more_residents"], entry, buurt, plat))
        return _Wijkgroep(id=gid, platform=plat, residents=tuple(residents), entry=entry)

    def resident(self, value: object, entry: str, buurt: str | None) -> _Resident:
        if isinstance(value, str):
            return _Resident(
                name=self.text(value, entry), buurt=buurt, entry=entry, anonymous=False
            )
        t = self.table(value, entry, required=("name",), optional=("buurt",))
        name = self.text(t["name"], subentry(entry, "name"))
        if "buurt" in t:
            buurt = self.text(t["buurt"], subentry(entry, "buurt"))
        return _Resident(name=name, buurt=buurt, entry=entry, anonymous=False)

    def anonymous(
        self, value: object, entry: str, buurt: str | None, plat: Platform
    ) -> list[_Resident]:
        """``more_residents``: a count, or a table of counts per buurt."""
        at = subentry(entry, "more_residents")
        counts: list[tuple[str | None, int, str]]
        if isinstance(value, Mapping):
            counts = [
                (
                    self.text(b, subentry(at, str(b))),
                    self.integer(n, subentry(at, str(b))),
                    subentry(at, str(b)),
                )
                for b, n in value.items()
            ]
        else:
            counts = [(buurt, self.integer(value, at), at)]
        total = 0
        for _, n, where in counts:
            if n < 0:
                self.fail(where, f"expected a count of 0 or more, got {n}")
            total += n
            # Checked before generating names, so that a mistyped count cannot
            # make the loader build millions of strings (G3 would refuse anyway).
            if total > plat.member_limit:
                self.fail(
                    where,
                    f"{total} residents cannot fit a {plat.name} group of {plat.member_limit} (G3)",
                )
        residents: list[_Resident] = []
        for b, n, where in counts:
            start = len(residents) + 1
            residents.extend(
                _Resident(name=f"{_ANONYMOUS} {k}", buurt=b, entry=where, anonymous=True)
                for k in range(start, start + n)
            )
        return residents

    # ---------------------------------------------------------------- building

    @contextmanager
    def refusals(self, entry: str) -> Iterator[None]:
        """Turn what the model refuses into a ConfigError at *entry*."""
        try:
            yield
        except ConfigError as e:
            raise ConfigError(e.problem, path=self.path, entry=entry) from e
        except RoutingError as e:
            self.fail_from(entry, e)

    def fail_from(self, entry: str, cause: RoutingError) -> NoReturn:
        raise ConfigError(str(cause), path=self.path, entry=entry) from cause

    def build(self, doc: _Document) -> Hierarchy:
        h = Hierarchy(doc.settings)
        for gemeente in doc.gemeenten:
            # ids of each stuurgroep's members, by (wijk, stuurgroep), for delegates.
            ids: dict[tuple[int, int], tuple[MemberId, ...]] = {}
            for w, wijk in enumerate(gemeente.wijken):
                for s, sg in enumerate(wijk.stuurgroepen):
                    ids[w, s] = self.build_stuurgroep(h, gemeente.name, wijk.name, sg)
                if wijk.regiegroep is not None:
                    rg = wijk.regiegroep
                    with self.refusals(rg.entry):
                        h.create_regiegroep(wijk.name, rg.id, rg.platform)
            if gemeente.regiegroep is not None:
                grg = gemeente.regiegroep
                delegates = (
                    None if grg.delegates is None else [ids[w, s][m] for w, s, m in grg.delegates]
                )
                with self.refusals(grg.entry):
                    h.create_gemeentelijke_regiegroep(
                        gemeente.name, grg.id, delegates=delegates, platform=grg.platform
                    )
        return h

    def build_stuurgroep(
        self, h: Hierarchy, gemeente: str, wijk: str, sg: _Stuurgroep
    ) -> tuple[MemberId, ...]:
        first = sg.wijkgroepen[0]
        residents = [(sg.wijkgroepen[w], sg.wijkgroepen[w].residents[r]) for w, r in sg.members]
        # The model founds a stuurgroep with its members living in the first
        # wijkgroep (G1); members who live elsewhere move there once their
        # wijkgroep exists, which keeps them admins throughout.
        with self.refusals(subentry(sg.entry, "members")):
            ids = h.found_neighbourhood(
                gemeente=gemeente,
                wijk=wijk,
                wijkgroep=first.id,
                stuurgroep=sg.id,
                founders=[Applicant.registered(r.name, buurt=r.buurt) for _, r in residents],
                telefoonbeheerder=sg.telefoonbeheerder,
                platform=sg.platform,
            )
        tfb = ids[sg.telefoonbeheerder]
        for wg in sg.wijkgroepen[1:]:
            with self.refusals(wg.entry):
                h.create_wijkgroep(tfb, sg.id, wg.id, approvals=ids, platform=wg.platform)
        for mid, (wg, resident) in zip(ids, residents, strict=True):
            if wg is not first:
                with self.refusals(resident.entry):
                    h.move(tfb, mid, wg.id)
        founders = set(sg.members)
        for w, wg in enumerate(sg.wijkgroepen):
            rest = (res for r, res in enumerate(wg.residents) if (w, r) not in founders)
            # One bulk call per run of residents that share a buurt, in file order.
            for key, run in itertools.groupby(rest, key=lambda res: (res.buurt, res.anonymous)):
                self.load(h, wg, [res.name for res in run], key)
        return ids

    def load(
        self, h: Hierarchy, wg: _Wijkgroep, names: list[str], key: tuple[str | None, bool]
    ) -> None:
        """Register one run of residents that share a buurt (one bulk call)."""
        buurt, anonymous = key
        where = subentry(wg.entry, "more_residents" if anonymous else "residents")
        with self.refusals(where):
            h.load_members(wg.id, names, buurt=buurt)
