"""Every label, heading and phrase of the text output, in English and Dutch: one table.

The renderers of :mod:`routing.present` and the command line's own lines
(``routing.cli.lines``, :mod:`routing.cli.operate`) take a ``lang``
(``"en"``, the default, or ``"nl"``) and ask :func:`label` for their words;
no phrase is written anywhere else. Each entry has both languages with the
same ``{placeholders}`` (``tests/test_labels.py`` holds the table to that).

Not in the table, and the same in both languages: the messages pasted into
the chat (:mod:`routing.domain.texts`, always Dutch), the values people
typed (reasons, questions, names), the Dutch domain words the data carries
(``wijkgroep``, ``casushouder``), JSON keys, and the engine's error messages
(a :class:`~routing.errors.Refused` reason is English in both).

The English column keeps the users' Dutch words for the domain's concepts
(wijkgroep, casushouder, melding, afloop) and says the rest in plain English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

__all__ = ["DEFAULT_LANG", "LABELS", "LANGS", "Lang", "as_lang", "label", "plural"]

#: A language of the text output.
Lang = Literal["en", "nl"]
#: The languages, in the order ``--lang`` lists them.
LANGS: Final[tuple[Lang, ...]] = ("nl", "en")
#: The language when none is asked for: what the output always was.
DEFAULT_LANG: Final[Lang] = "en"

#: Every phrase by key, then by language. A key ending in ``.one`` has a
#: sibling ending in ``.other``: :func:`plural` picks one by a count ``n``.
LABELS: Final[Mapping[str, Mapping[Lang, str]]] = {
    # -- the hierarchy tree and table (show)
    "tree.members": {"en": "{n} members", "nl": "{n} leden"},
    "tree.legend": {
        "en": "   {phone} telefoonbeheerder  {admin} stuurgroeplid (admin)",
        "nl": "   {phone} telefoonbeheerder  {admin} stuurgroeplid (beheerder)",
    },
    "tree.gemeente": {"en": "gemeente ", "nl": "gemeente "},
    "tree.wijk": {"en": "wijk ", "nl": "wijk "},
    "tree.delegates": {"en": "delegates: ", "nl": "afgevaardigden: "},
    "tree.buurt": {"en": "buurt {buurt}", "nl": "buurt {buurt}"},
    "tree.buurten": {"en": "buurten {buurten}", "nl": "buurten {buurten}"},
    "tree.buurten_count": {"en": "{n} buurten", "nl": "{n} buurten"},
    "tree.admin_elsewhere": {
        "en": "  admin, lives in {wijkgroep}",
        "nl": "  beheerder, woont in {wijkgroep}",
    },
    "capacity.ok": {"en": "ok", "nl": "ok"},
    "capacity.nearly_full": {"en": "nearly full", "nl": "bijna vol"},
    "capacity.full": {"en": "full", "nl": "vol"},
    "table.groups": {"en": "Groups", "nl": "Groepen"},
    "table.group": {"en": "group", "nl": "groep"},
    "table.kind": {"en": "kind", "nl": "soort"},
    "table.wijk": {"en": "wijk", "nl": "wijk"},
    "table.size": {"en": "size", "nl": "leden"},
    "table.limit": {"en": "limit", "nl": "maximum"},
    "table.state": {"en": "state", "nl": "status"},
    # -- the steps of the routing path (engine Step); English is Step.label
    "step.origin": {"en": "origin", "nl": "melding"},
    "step.police": {"en": "police", "nl": "politie"},
    "step.siblings": {"en": "siblings", "nl": "buurwijkgroepen"},
    "step.to_regiegroep": {"en": "to regiegroep", "nl": "naar regiegroep"},
    "step.from_regiegroep": {"en": "from regiegroep", "nl": "vanuit regiegroep"},
    "step.to_gemeente": {
        "en": "to gemeentelijke regiegroep",
        "nl": "naar gemeentelijke regiegroep",
    },
    "step.from_gemeente": {
        "en": "from gemeentelijke regiegroep",
        "nl": "vanuit gemeentelijke regiegroep",
    },
    "step.police_down": {"en": "police notice down", "nl": "politiebericht naar wijkgroepen"},
    # -- an incident's tree (trace, audit, explain)
    "incident.title": {"en": "incident", "nl": "incident"},
    "incident.police": {"en": "the police", "nl": "de politie"},
    "incident.bot": {"en": "bot", "nl": "de bot"},
    "incident.reported_by": {"en": "  reported by {who}", "nl": "  gemeld door {who}"},
    "incident.via": {"en": "  via {who}", "nl": "  via {who}"},
    "incident.by_deadline": {"en": "deadline: ", "nl": "termijn verlopen: "},
    "incident.casushouder": {
        "en": "  {mark} casushouder {who}",
        "nl": "  {mark} casushouder {who}",
    },
    "incident.posted": {"en": "  posted {clock}", "nl": "  geplaatst {clock}"},
    "incident.no_casushouder": {
        "en": "no casushouder: nobody passed it on (P2)",
        "nl": "geen casushouder: niemand heeft het doorgezet (P2)",
    },
    "incident.policy": {"en": "policy", "nl": "beleid"},
    "incident.deadline": {"en": "deadline", "nl": "termijn verlopen"},
    "incident.skipped": {
        "en": "✗ {clock}  not to {targets} [{rule}; {who}: {reason}]",
        "nl": "✗ {clock}  niet naar {targets} [{rule}; {who}: {reason}]",
    },
    "incident.pending": {
        "en": "? {decider} decides on {targets} [{rule} {step}; deadline {clock}]",
        "nl": "? {decider} beslist over {targets} [{rule} {step}; uiterlijk {clock}]",
    },
    "incident.nobody": {"en": "nobody", "nl": "niemand"},
    "incident.joined": {
        "en": "+ {clock}  another melding by {who}; 112 already called by {called} (H4)",
        "nl": "+ {clock}  nog een melding door {who}; 112 al gebeld door {called} (H4)",
    },
    "incident.afloop.one": {
        "en": "■ {clock}  afloop by {who}, to {n} group (R8)",
        "nl": "■ {clock}  afloop door {who}, naar {n} groep (R8)",
    },
    "incident.afloop.other": {
        "en": "■ {clock}  afloop by {who}, to {n} groups (R8)",
        "nl": "■ {clock}  afloop door {who}, naar {n} groepen (R8)",
    },
    "incident.no_afloop": {"en": "□ no afloop yet (R8)", "nl": "□ nog geen afloop (R8)"},
    # -- a dry run's additions to the tree (explain)
    "explain.no_112": {"en": "112 not called", "nl": "112 niet gebeld"},
    "explain.screened": {
        "en": "held by screening ({reason})",
        "nl": "vastgehouden door de screening ({reason})",
    },
    "explain.held": {
        "en": "! {why}: the melding waits for the stuurgroep ({rule}, S1); "
        "above, it is assumed to be released",
        "nl": "! {why}: de melding wacht op de stuurgroep ({rule}, S1); "
        "hierboven aangenomen dat zij hem vrijgeeft",
    },
    "explain.joined": {
        "en": "+ would join open incident {incident} (H4)",
        "nl": "+ zou aansluiten bij open incident {incident} (H4)",
    },
    "explain.skipped": {
        "en": "✗ {source} -> {targets} [{rule}]: the policy does not forward ({reason})",
        "nl": "✗ {source} -> {targets} [{rule}]: het beleid zet niet door ({reason})",
    },
    "explain.points.one": {"en": "{n} decision point (R5, R6)", "nl": "{n} beslispunt (R5, R6)"},
    "explain.points.other": {
        "en": "{n} decision points (R5, R6)",
        "nl": "{n} beslispunten (R5, R6)",
    },
    "explain.stops": {
        "en": "  open: the dry run stops here",
        "nl": "  open: hier stopt de proefrit",
    },
    "explain.only_through": {
        "en": "  not reached on no: {groups}",
        "nl": "  bij nee niet bereikt: {groups}",
    },
    "explain.no_difference": {"en": "  on no: no difference", "nl": "  bij nee: geen verschil"},
    # -- what a changing command did (one line per output of the relay)
    "out.opened": {
        "en": "{incident}: {kind} opened in {origin}{chief}",
        "nl": "{incident}: {kind} geopend in {origin}{chief}",
    },
    "out.chief": {"en": "; casushouder {who}", "nl": "; casushouder {who}"},
    "out.police_notice": {"en": "police notice", "nl": "politiebericht"},
    "out.incident": {"en": "incident", "nl": "incident"},
    "out.task": {
        "en": "task {id}: {who} posts in {group}",
        "nl": "taak {id}: {who} plaatst in {group}",
    },
    "out.police_first": {"en": " (police notice first)", "nl": " (politiebericht eerst)"},
    "out.question": {
        "en": "question {id} for {decider}: {question}",
        "nl": "vraag {id} voor {decider}: {question}",
    },
    "out.answer": {
        "en": "  answer: buurtrouting decide {id} yes|no --as NAME (by {deadline})",
        "nl": "  antwoord: buurtrouting decide {id} yes|no --as NAAM (uiterlijk {deadline})",
    },
    "out.forward": {"en": "forward", "nl": "doorgezet"},
    "out.no_forward": {"en": "do not forward", "nl": "niet doorgezet"},
    "out.by_default": {
        "en": "by default at the deadline",
        "nl": "vanzelf, want de termijn was verlopen",
    },
    "out.by": {"en": "by {who}", "nl": "door {who}"},
    "out.decided": {
        "en": "question {id}: {verdict} to {targets}, {how}",
        "nl": "vraag {id}: {verdict} naar {targets}, {how}",
    },
    "out.held": {
        "en": "{incident}: held for {stuurgroep} ({rule}: {reason})",
        "nl": "{incident}: wacht op {stuurgroep} ({rule}: {reason})",
    },
    "out.reaction_held": {
        "en": "{incident}: reaction {reaction} of {who} held for {stuurgroep} ({rule}: {reason})",
        "nl": "{incident}: reactie {reaction} van {who} wacht op {stuurgroep} ({rule}: {reason})",
    },
    "out.joined": {
        "en": "{who}'s report joins {incident} ({reason})",
        "nl": "de melding van {who} sluit aan bij {incident} ({reason})",
    },
    "out.casushouder": {
        "en": "{incident}: casushouder in {wijkgroep} is now {who}",
        "nl": "{incident}: casushouder in {wijkgroep} is nu {who}",
    },
    "out.reassigned": {
        "en": "task {id} in {group} passes to {who} ({reason})",
        "nl": "taak {id} in {group} gaat over naar {who} ({reason})",
    },
    "out.reminder": {
        "en": "{incident}: reminder to {names}: {text}",
        "nl": "{incident}: herinnering aan {names}: {text}",
    },
    "out.afloop.one": {
        "en": "{incident}: afloop by {who} to {n} group",
        "nl": "{incident}: afloop door {who} naar {n} groep",
    },
    "out.afloop.other": {
        "en": "{incident}: afloop by {who} to {n} groups",
        "nl": "{incident}: afloop door {who} naar {n} groepen",
    },
    "out.confirmed": {
        "en": "task {id}: posted by {who}",
        "nl": "taak {id}: bevestigd, geplaatst door {who}",
    },
    "out.failed": {
        "en": "task {id}: failed in {group} ({reason})",
        "nl": "taak {id}: mislukt in {group} ({reason})",
    },
    "out.duplicate": {
        "en": "already done: key {key} is event {seq}; nothing changed",
        "nl": "al gedaan: sleutel {key} is gebeurtenis {seq}; er is niets veranderd",
    },
    "out.done": {"en": "done (event {seq})", "nl": "klaar (gebeurtenis {seq})"},
    "out.init": {
        "en": "{state}: {members} members in {groups} groups",
        "nl": "{state}: {members} leden in {groups} groepen",
    },
    # -- a member's tasks (tasks)
    "tasks.paste": {"en": "task {id}: paste into {group}", "nl": "taak {id}: plak in {group}"},
    "tasks.police_first": {"en": " (POLITIE, first)", "nl": " (POLITIE, eerst)"},
    "tasks.then": {
        "en": "  then: buurtrouting confirm {id} --as '{name}'",
        "nl": "  daarna: buurtrouting confirm {id} --as '{name}'",
    },
    "tasks.question": {
        "en": "question {id} ({decider}, by {deadline}): {question}",
        "nl": "vraag {id} ({decider}, uiterlijk {deadline}): {question}",
    },
    "tasks.answer": {
        "en": "  answer: buurtrouting decide {id} yes|no --as '{name}'",
        "nl": "  antwoord: buurtrouting decide {id} yes|no --as '{name}'",
    },
    "tasks.screen": {
        "en": "screen {incident} {what} ({rule}: {reason})",
        "nl": "beoordeel {incident}, {what} ({rule}: {reason})",
    },
    "tasks.report": {"en": "report", "nl": "melding"},
    "tasks.reaction": {"en": "reaction {reaction}", "nl": "reactie {reaction}"},
    "tasks.afloop": {
        "en": "casushouder of {incident} in {group}: post the afloop when it is over",
        "nl": "casushouder van {incident} in {group}: plaats de afloop als het voorbij is",
    },
    "tasks.nothing": {"en": "nothing to do for {who}", "nl": "niets te doen voor {who}"},
    # -- the incidents table (incidents)
    "incidents.open": {"en": "open incidents", "nl": "Open incidenten"},
    "incidents.all": {"en": "incidents", "nl": "Alle incidenten"},
    "incidents.id": {"en": "id", "nl": "id"},
    "incidents.phase": {"en": "phase", "nl": "fase"},
    "incidents.from": {"en": "from", "nl": "vanuit"},
    "incidents.category": {"en": "category", "nl": "soort"},
    "incidents.opened": {"en": "opened", "nl": "geopend"},
    "incidents.groups": {"en": "groups", "nl": "groepen"},
    "incidents.casushouders": {"en": "casushouders", "nl": "casushouders"},
    # -- an incident's phase (engine Phase); English is Phase.value
    "phase.held": {"en": "held", "nl": "wacht op screening"},
    "phase.open": {"en": "open", "nl": "open"},
    "phase.spreading": {"en": "spreading", "nl": "wordt doorgezet"},
    "phase.closed": {"en": "closed", "nl": "afgesloten"},
    "phase.rejected": {"en": "rejected", "nl": "afgewezen"},
}


def as_lang(text: str) -> Lang:
    """``text`` as a language; :class:`ValueError` if it is none of :data:`LANGS`."""
    for lang in LANGS:
        if text == lang:
            return lang
    raise ValueError(f"no language {text!r}: give {' or '.join(LANGS)}")


def label(key: str, lang: Lang = DEFAULT_LANG, /, **fields: object) -> str:
    """The phrase ``key`` in ``lang``, its ``{placeholders}`` filled from ``fields``."""
    text = LABELS[key][lang]
    return text.format(**fields) if fields else text


def plural(key: str, n: int, lang: Lang = DEFAULT_LANG, /, **fields: object) -> str:
    """``key.one`` for one, else ``key.other``, with ``{n}`` and ``fields`` filled in."""
    return label(f"{key}.{'one' if n == 1 else 'other'}", lang, n=n, **fields)
