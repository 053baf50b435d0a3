"""Relevance policies: is this message relevant for the next group (R5, R6)?

In the Zoomwijck people judge: stuurgroep members decide whether a report matters
to other wijken (R5), and the stuurgroepen there whether it matters to theirs
(R6). A :class:`Policy` lets a neighbourhood write down what it agreed, so
obvious cases go on at once and only the doubtful ones reach a person:

* :data:`FORWARD` and :data:`SKIP` decide on the spot;
* :data:`ASK` hands the question to the members of the deciding group as a
  :class:`~routing.engine.outputs.PendingDecision`; one of them answers with
  :class:`~routing.engine.commands.Decide`, or the configured default applies when
  nobody does in time.

The relay asks once per *decision point*: one step (siblings, up to the
regiegroep, down into one stuurgroep's wijkgroepen, ...) from one group,
for the targets of that step not reached yet. All targets of a point lie in
one wijk, so wijk-based rules have one answer per point.

Policies are small frozen values, combined like building blocks::

    ByCategory(
        {Category.VERMISSING: Always("vermissing: gemeentebreed")},
        default=AnyOf(AdjacentWijken(buurt_graph), TowardsWijk({"parklaan": "Noord"})),
    )

A policy must be quick and must not raise: it runs inside every report.
Anything heavy (the adjacency graph) is prepared when the policy is built.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

import attrs

from routing.domain.melding import Category, Melding

from .outputs import Step

__all__ = [
    "ASK",
    "FORWARD",
    "SKIP",
    "AdjacentWijken",
    "AllOf",
    "Always",
    "Answer",
    "AnyOf",
    "Ask",
    "ByCategory",
    "ByStep",
    "Context",
    "Never",
    "Not",
    "Policy",
    "TowardsWijk",
    "Verdict",
]

# Steps that go up a level: their target is a channel to other wijkgroepen,
# not a place where the suspects are.
_UP: Final = frozenset({Step.TO_REGIEGROEP, Step.TO_GEMEENTE})


class Answer(enum.Enum):
    FORWARD = "forward"
    SKIP = "skip"
    ASK = "ask"


@attrs.frozen(kw_only=True)
class Verdict:
    """A policy's answer with the reason that goes into the audit trail."""

    answer: Answer
    reason: str


#: Forward now, to every target of the decision point.
FORWARD: Final = Verdict(answer=Answer.FORWARD, reason="altijd doorzetten")
#: Forward to none of the targets.
SKIP: Final = Verdict(answer=Answer.SKIP, reason="niet doorzetten")
#: Let the members of the deciding group judge (a pending decision).
ASK: Final = Verdict(answer=Answer.ASK, reason="de stuurgroep beoordeelt")


@attrs.frozen(kw_only=True)
class Context:
    """What a policy sees at one decision point.

    ``source_wijk`` is the wijk of the group the message is in now,
    ``origin_wijk`` the wijk where the incident began (``None`` for a police
    notice addressed to the gemeente level), ``target_wijk`` the wijk of the
    targets (``None`` for the gemeentelijke regiegroep).
    """

    incident: str
    melding: Melding
    police: bool
    step: Step
    decider: str
    source: str
    targets: tuple[str, ...]
    origin_wijk: str | None
    source_wijk: str | None
    target_wijk: str | None
    at: float


@runtime_checkable
class Policy(Protocol):
    """Anything with ``decide(context) -> Verdict``."""

    def decide(self, context: Context) -> Verdict: ...


@attrs.frozen
class _Fixed:
    """A policy with the same answer at every decision point; see the three below."""

    _ANSWER: ClassVar[Answer]
    reason: str
    # Built once: the same answer every time, without a new object per report.
    verdict: Verdict = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # After every field is set: a subclass redefines ``reason`` with its default.
        object.__setattr__(self, "verdict", Verdict(answer=self._ANSWER, reason=self.reason))

    def decide(self, context: Context) -> Verdict:
        return self.verdict


@attrs.frozen
class Always(_Fixed):
    """Forward at every decision point."""

    _ANSWER = Answer.FORWARD
    reason: str = "altijd doorzetten"


@attrs.frozen
class Never(_Fixed):
    """Forward nowhere: the report stays in its wijkgroep unless a person forwards it."""

    _ANSWER = Answer.SKIP
    reason: str = "niet doorzetten"


@attrs.frozen
class Ask(_Fixed):
    """Let the members of the deciding group judge (the Zoomwijck's own practice, R5, R6)."""

    _ANSWER = Answer.ASK
    reason: str = "de stuurgroep beoordeelt"


def _adjacency(graph: Any) -> dict[str, frozenset[str]]:
    # Read the networkx graph once; the hot path only touches plain dicts.
    return {str(node): frozenset(str(n) for n in graph.adj[node]) for node in graph.nodes}


@attrs.frozen(init=False)
class AdjacentWijken:
    """Forward within the wijk and to the wijken that border it.

    ``graph`` is an undirected networkx graph whose nodes are wijk names and
    whose edges join wijken that border each other. A wijk missing from the
    graph borders nothing. Steps up (to a regiegroep, to the gemeentelijke
    regiegroep) are forwarded when some bordering wijk lies beyond them.
    """

    neighbours: Mapping[str, frozenset[str]]

    def __init__(self, graph: Any) -> None:
        self.__attrs_init__(_adjacency(graph))

    def decide(self, context: Context) -> Verdict:
        origin = context.origin_wijk
        if origin is None:
            return Verdict(answer=Answer.SKIP, reason="geen wijk van herkomst")
        near = self.neighbours.get(origin, frozenset())
        target = context.target_wijk
        if context.step in _UP:
            if context.step is Step.TO_REGIEGROEP or near:
                return Verdict(answer=Answer.FORWARD, reason=f"aangrenzende wijken van {origin}")
            return Verdict(answer=Answer.SKIP, reason=f"{origin} grenst aan geen andere wijk")
        if target == origin:
            return Verdict(answer=Answer.FORWARD, reason=f"zelfde wijk {origin}")
        if target in near:
            return Verdict(answer=Answer.FORWARD, reason=f"{target} grenst aan {origin}")
        return Verdict(answer=Answer.SKIP, reason=f"{target} grenst niet aan {origin}")


def _keywords(towards: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((key.casefold(), wijk) for key, wijk in towards.items())


@attrs.frozen
class TowardsWijk:
    """Forward towards the wijk the suspects are heading for (looprichting, R3b).

    ``towards`` maps words that may appear in the melding's looprichting
    (a street, a landmark, a wijk name) to the wijk they lie in. When the
    looprichting names none of them, ``otherwise`` decides.
    """

    towards: tuple[tuple[str, str], ...] = attrs.field(converter=_keywords)
    otherwise: Policy = attrs.field(factory=Never)

    def heading(self, melding: Melding) -> frozenset[str]:
        """The wijken the looprichting points at."""
        direction = (melding.direction or "").casefold()
        if not direction:
            return frozenset()
        return frozenset(wijk for key, wijk in self.towards if key in direction)

    def decide(self, context: Context) -> Verdict:
        wijken = self.heading(context.melding)
        if not wijken:
            return self.otherwise.decide(context)
        names = ", ".join(sorted(wijken))
        if context.step is Step.TO_REGIEGROEP:
            return Verdict(answer=Answer.FORWARD, reason=f"looprichting naar {names}")
        if context.step is Step.TO_GEMEENTE:
            if wijken - {context.source_wijk}:
                return Verdict(answer=Answer.FORWARD, reason=f"looprichting naar {names}")
            return Verdict(answer=Answer.SKIP, reason=f"looprichting blijft in {names}")
        if context.target_wijk in wijken:
            return Verdict(answer=Answer.FORWARD, reason=f"looprichting naar {context.target_wijk}")
        return Verdict(answer=Answer.SKIP, reason=f"looprichting naar {names}, niet hierheen")


def _by_category(mapping: Mapping[Category, Policy]) -> Mapping[Category, Policy]:
    return dict(mapping)


@attrs.frozen
class ByCategory:
    """A policy per category (vermissing gemeente-wide, inbraak to adjacent wijken)."""

    policies: Mapping[Category, Policy] = attrs.field(converter=_by_category)
    default: Policy = attrs.field(factory=Ask)

    def decide(self, context: Context) -> Verdict:
        policy = self.policies.get(context.melding.category, self.default)
        return policy.decide(context)


def _by_step(mapping: Mapping[Step, Policy]) -> Mapping[Step, Policy]:
    return dict(mapping)


@attrs.frozen
class ByStep:
    """A policy per step (siblings always, up to the regiegroep on request)."""

    policies: Mapping[Step, Policy] = attrs.field(converter=_by_step)
    default: Policy = attrs.field(factory=Ask)

    def decide(self, context: Context) -> Verdict:
        return self.policies.get(context.step, self.default).decide(context)


def _policies(values: Iterable[Policy]) -> tuple[Policy, ...]:
    return tuple(values)


def _joined(verdicts: Iterable[Verdict]) -> str:
    return "; ".join(v.reason for v in verdicts)


@attrs.frozen(init=False)
class AnyOf:
    """Forward if any part forwards; else ask if any part asks; else skip."""

    parts: tuple[Policy, ...]

    def __init__(self, *parts: Policy) -> None:
        self.__attrs_init__(_policies(parts))

    def decide(self, context: Context) -> Verdict:
        verdicts = [p.decide(context) for p in self.parts]
        for answer in (Answer.FORWARD, Answer.ASK):
            chosen = [v for v in verdicts if v.answer is answer]
            if chosen:
                return Verdict(answer=answer, reason=_joined(chosen))
        return Verdict(answer=Answer.SKIP, reason=_joined(verdicts) or "geen regel")


@attrs.frozen(init=False)
class AllOf:
    """Skip if any part skips; else ask if any part asks; else forward."""

    parts: tuple[Policy, ...]

    def __init__(self, *parts: Policy) -> None:
        self.__attrs_init__(_policies(parts))

    def decide(self, context: Context) -> Verdict:
        verdicts = [p.decide(context) for p in self.parts]
        for answer in (Answer.SKIP, Answer.ASK):
            chosen = [v for v in verdicts if v.answer is answer]
            if chosen:
                return Verdict(answer=answer, reason=_joined(chosen))
        return Verdict(answer=Answer.FORWARD, reason=_joined(verdicts) or "geen regel")


@attrs.frozen
class Not:
    """Swap forward and skip; a question stays a question."""

    part: Policy

    def decide(self, context: Context) -> Verdict:
        verdict = self.part.decide(context)
        if verdict.answer is Answer.ASK:
            return verdict
        answer = Answer.SKIP if verdict.answer is Answer.FORWARD else Answer.FORWARD
        return Verdict(answer=answer, reason=f"niet: {verdict.reason}")


def fixed_verdicts(policy: Policy) -> dict[Step, Verdict] | None:
    """Per step, the verdict ``policy`` gives whatever the context, if it ignores the context.

    The relay asks this once per policy: for :class:`Always`, :class:`Never`,
    :class:`Ask` and a :class:`ByStep` of those, it then skips building a
    :class:`Context` for every decision point of every report. Exact types
    only, since a subclass may decide differently; ``None`` for anything else.
    """
    if type(policy) in (Always, Never, Ask):
        verdict: Verdict = policy.verdict  # type: ignore[attr-defined]
        return dict.fromkeys(Step, verdict)
    if isinstance(policy, ByStep) and type(policy) is ByStep:
        fixed: dict[Step, Verdict] = {}
        for step in Step:
            part = fixed_verdicts(policy.policies.get(step, policy.default))
            if part is None:
                return None
            fixed[step] = part[step]
        return fixed
    return None
