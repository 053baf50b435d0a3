"""Strategies for the group-hierarchy model, and a snapshot to compare states.

Every hierarchy is built through the public API (found, create, admit, load),
never by poking at internals, so a drawn hierarchy is one that a real app could
reach. Sizes stay small and platform limits are sometimes tight, so that the
capacity rules (G3) and the split threshold (G2) matter in the tests.
"""

from __future__ import annotations

import functools
import string
from typing import Any

from hypothesis import strategies as st

from routing import (
    PLATFORMS,
    Applicant,
    GroupKind,
    Hierarchy,
    MemberId,
    Platform,
    RulesAcceptance,
    Settings,
)

__all__ = [
    "BUURTEN",
    "applicants",
    "broken_admission_rules",
    "buurten",
    "founders",
    "hierarchies",
    "hierarchy_settings",
    "invalid_applicants",
    "majority_of",
    "member_names",
    "platforms",
    "preset_platforms",
    "snapshot",
]

#: A few buurt names, so that residents share buurten and a split (G2) has
#: something to split by.
BUURTEN = ("centrum", "noord", "oost", "zuid", "west")

member_names = st.text(alphabet=string.ascii_letters + "'éë", min_size=1, max_size=10)
buurten = st.sampled_from(BUURTEN)
phones = st.none() | st.from_regex(r"06[0-9]{8}", fullmatch=True)
_maybe_buurt = st.none() | buurten
#: Which spelregels an applicant accepted, and when (H10).
accepted_rules = st.builds(
    RulesAcceptance,
    version=st.sampled_from(["2015", "2024-1", "https://buurt.example/spelregels"]),
    at=st.floats(0, 2e9, allow_nan=False),
)


# Strategies are cached per argument: hierarchies() asks for them many times per
# example, and building (and validating) a fresh strategy each time dominates.
@functools.cache
def applicants(
    *, buurt: st.SearchStrategy[str | None] | None = None, adult_age: int = 18
) -> st.SearchStrategy[Applicant]:
    """Applicants who meet the house rules: adult (H1), living in the area
    (H2), having accepted the rules (H10)."""
    return st.builds(
        Applicant,
        name=member_names,
        age=st.integers(adult_age, 99),
        lives_in_area=st.just(True),
        accepted_rules=st.just(True),
        buurt=buurt if buurt is not None else st.none() | buurten,
        phone=phones,
        rules=st.none() | accepted_rules,
    )


@st.composite
def invalid_applicants(draw: st.DrawFn, *, adult_age: int = 18) -> Applicant:
    """Applicants who break at least one of H1, H2 and H10."""
    minor, outsider, unaccepted = draw(
        st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(any)
    )
    return Applicant(
        name=draw(member_names),
        age=draw(st.integers(0, adult_age - 1) if minor else st.integers(adult_age, 99)),
        lives_in_area=not outsider,
        accepted_rules=not unaccepted,
        buurt=draw(st.none() | buurten),
    )


def broken_admission_rules(applicant: Applicant, adult_age: int = 18) -> list[str]:
    """The house rules an applicant breaks, in the order docs/rules.md lists them."""
    broken = []
    if applicant.age < adult_age:
        broken.append("H1")
    if not applicant.lives_in_area:
        broken.append("H2")
    if not applicant.accepted_rules:
        broken.append("H10")
    return broken


@functools.cache
def founders(settings: Settings) -> st.SearchStrategy[list[Applicant]]:
    """A valid group of founders of a stuurgroep (G1, G4: 3-4 by default)."""
    low, high = settings.stuurgroep_size
    return st.lists(
        applicants(buurt=buurten, adult_age=settings.adult_age), min_size=low, max_size=high
    )


preset_platforms = st.sampled_from(sorted(PLATFORMS.values(), key=lambda p: p.name))


@functools.cache
def platforms(*, min_limit: int = 1, max_limit: int = 300) -> st.SearchStrategy[Platform]:
    """A named preset (G3) or a platform with a custom, often small, limit."""
    custom = st.builds(
        Platform,
        name=st.sampled_from(["whatsapp", "signal", "test"]),
        member_limit=st.integers(min_limit, max_limit),
    )
    presets = preset_platforms.filter(lambda p: p.member_limit >= min_limit)
    return presets | custom


@functools.cache
def _maybe_platform(min_limit: int) -> st.SearchStrategy[Platform | None]:
    return st.none() | platforms(min_limit=min_limit, max_limit=60)


@st.composite
def hierarchy_settings(draw: st.DrawFn) -> Settings:
    """Settings with small thresholds and, sometimes, small platform limits."""
    size = draw(st.sampled_from([(3, 4), (3, 4), (2, 5), (3, 3)]))
    return Settings(
        platform=draw(platforms(min_limit=size[1] + 2, max_limit=60)),
        split_threshold=draw(st.integers(1, 30)),
        nearly_full_ratio=draw(st.sampled_from([0.5, 0.8, 0.9, 1.0])),
        stuurgroep_size=size,
        adult_age=draw(st.sampled_from([16, 18, 18, 21])),
    )


def majority_of(members: frozenset[MemberId] | list[MemberId]) -> st.SearchStrategy[list[int]]:
    """Approvals from more than half of a stuurgroep (S6)."""
    pool = sorted(members)
    return _majority_indices(len(pool)).map(lambda picks: [pool[i] for i in picks])


@functools.cache
def _majority_indices(n: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, n - 1), unique=True, min_size=n // 2 + 1, max_size=n)


@st.composite
def hierarchies(
    draw: st.DrawFn,
    *,
    settings: st.SearchStrategy[Settings] | None = None,
    max_gemeenten: int = 2,
    max_wijken: int = 2,
    max_stuurgroepen: int = 2,
    max_residents: int = 12,
) -> Hierarchy:
    """A random valid hierarchy, grown as an app would grow it.

    Gemeenten hold wijken; each wijk is founded by one or more stuurgroepen of
    3-4 founders (G1, G4); a stuurgroep may create extra wijkgroepen (T3 after
    S6); residents arrive one by one (T1) and in bulk from a register; a wijk
    may get a regiegroep (S5) and a gemeente a gemeentelijke regiegroep.
    """
    s = draw(settings if settings is not None else hierarchy_settings())
    h = Hierarchy(s)
    n_wijkgroepen = 0
    for g in range(draw(st.integers(1, max_gemeenten))):
        gemeente = f"gemeente-{g}"
        for w in range(draw(st.integers(1, max_wijken))):
            wijk = f"{gemeente}/wijk-{w}"
            for k in range(draw(st.integers(1, max_stuurgroepen))):
                team = draw(founders(s))
                stuurgroep = f"{wijk}/stuurgroep-{k}"
                first = f"wijkgroep-{n_wijkgroepen}"
                n_wijkgroepen += 1
                own = draw(_maybe_platform(len(team) + 1))
                ids = h.found_neighbourhood(
                    gemeente=gemeente,
                    wijk=wijk,
                    wijkgroep=first,
                    stuurgroep=stuurgroep,
                    founders=team,
                    telefoonbeheerder=draw(st.integers(0, len(team) - 1)),
                    platform=own,
                )
                tb = h.telefoonbeheerder(stuurgroep)
                for _ in range(draw(st.integers(0, 2))):
                    extra = f"wijkgroep-{n_wijkgroepen}"
                    n_wijkgroepen += 1
                    h.create_wijkgroep(
                        tb,
                        stuurgroep,
                        extra,
                        approvals=draw(majority_of(list(ids))),
                        platform=draw(_maybe_platform(len(ids))),
                    )
                for wg in h.managed_wijkgroepen(stuurgroep):
                    free = h.capacity(wg).free
                    for _ in range(draw(st.integers(0, min(free, 3)))):
                        h.admit(tb, wg, draw(applicants(adult_age=s.adult_age)))
                    free = h.capacity(wg).free
                    # A register's names matter less than their number: count them.
                    n = draw(st.integers(0, min(free, max_residents)))
                    if n:
                        batch = [f"{wg} bewoner {i}" for i in range(n)]
                        h.load_members(wg, batch, buurt=draw(_maybe_buurt))
            if draw(st.booleans()):
                joining = sum(len(h.admins(sg)) for sg in h.stuurgroepen_of(wijk))
                h.create_regiegroep(
                    wijk,
                    f"{wijk}/regiegroep",
                    platform=draw(platforms(min_limit=joining, max_limit=joining + 10)),
                )
        regie = [r for r in map(h.regiegroep_of, h.wijken_of(gemeente)) if r is not None]
        if draw(st.booleans()) and regie:
            eligible = sorted({m for r in regie for m in h.admins(r)})
            delegates = draw(
                st.none() | st.lists(st.sampled_from(eligible), min_size=1, unique=True)
            )
            seats = len(eligible) if delegates is None else len(delegates)
            h.create_gemeentelijke_regiegroep(
                gemeente,
                f"{gemeente}/regiegroep",
                delegates=delegates,
                platform=draw(platforms(min_limit=seats, max_limit=seats + 10)),
            )
    return h


def snapshot(h: Hierarchy) -> dict[str, Any]:
    """Everything a caller can observe of a hierarchy, as plain comparable data.

    Two snapshots are equal when no query could tell the hierarchies apart:
    groups and their edges, every member's id, name, home, buurt, phone and
    roles, the composition and telefoonbeheerder of every stuurgroep, every
    group's admins and capacity, the wijken and gemeenten, the accepted
    spelregels, the blocks, and the version.
    Used to prove that a refused request changed nothing.
    """
    graph = h.graph
    wijkgroepen = list(h.groups(GroupKind.WIJKGROEP))
    stuurgroepen = list(h.groups(GroupKind.STUURGROEP))
    members = {
        mid: (
            h.member(mid),
            h.name(mid),
            h.phone(mid),
            h.wijkgroep_of(mid),
            h.stuurgroep_membership(mid),
            h.roles(mid),
            h.rules_of(mid),
        )
        for wg in wijkgroepen
        for mid in h.residents(wg)
    }
    return {
        "version": h.version,
        "size": len(h),
        "groups": [h.group(g) for g in h.groups()],
        "nodes": list(graph.nodes(data="kind")),
        "edges": list(graph.edges(data="rel")),
        "residents": {wg: h.residents(wg) for wg in wijkgroepen},
        "members": members,
        "stuurgroepen": {
            sg: (h.admins(sg), h.telefoonbeheerder(sg), h.managed_wijkgroepen(sg))
            for sg in stuurgroepen
        },
        "admins": {g: h.admins(g) for g in h.groups()},
        "chat members": {g: h.members(g) for g in h.groups()},
        "capacity": {g: h.capacity(g) for g in h.groups()},
        "gemeenten": {
            gem: (h.wijken_of(gem), h.gemeentelijke_regiegroep_of(gem)) for gem in h.gemeenten()
        },
        "wijken": {w: (h.stuurgroepen_of(w), h.regiegroep_of(w)) for w in h.wijken()},
        "actors": h.actors(),
        "blocks": h.blocks(),
    }
