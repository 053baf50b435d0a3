"""A chat bot that runs the routing path through routing.runtime.

``FakePlatform`` is a stand-in for a real chat platform (a WhatsApp, Signal
or Telegram bot API): it holds the groups' messages in memory, hands the bot
incoming messages with an id and an account, and takes what the bot posts.
Everything else is what a real bot does: it opens a Runtime on its state
file, runs the deadline loop as an asyncio task, submits each incoming
message with its message id as intake key, posts its outbox and confirms
each post, and erases a member on request. A FakeClock turns the evening
in no time, so the script prints the same every run.

Run it: ``python3 examples/chatbot.py``. See docs/howto-runtime.md.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from routing.domain.melding import Melding
from routing.engine.commands import Afloop, Command, Decide, Report
from routing.engine.outputs import IncidentClosed, PendingDecision, Reminder
from routing.errors import RoutingError
from routing.hierarchy.config import load_hierarchy
from routing.relay import RelayConfig
from routing.runtime import FakeClock, Runtime, Submitted

FASE2 = Path(__file__).resolve().parent / "zoomwijck-fase2.toml"
PLATFORM = "chat"  # the name the bot's accounts and posts are kept under
EVENING = 1_796_328_900.0  # 3 December 2026, 21:15 in the Netherlands


@dataclass(frozen=True)
class Message:
    id: str  # the platform's message id: the intake key
    account: str
    group: str
    text: str


@dataclass
class FakePlatform:
    """A stand-in for a real chat platform, in memory."""

    groups: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # group: [(ref, text)]
    posted: int = 0

    def post(self, group: str, text: str) -> str:
        """Post ``text`` into ``group`` as the bot; the new message's reference."""
        self.posted += 1
        ref = f"p{self.posted}"
        self.groups.setdefault(group, []).append((ref, text))
        first = text.splitlines()[0]
        first = first if len(first) <= 60 else first[:59] + "…"
        print(f"  bot posts {ref} in {group}: {first}")
        return ref

    def redact(self, ref: str) -> None:
        for messages in self.groups.values():
            messages[:] = [(r, "[verwijderd]" if r == ref else t) for r, t in messages]
        print(f"  bot redacts {ref}")


def command_of(rt: Runtime, message: Message) -> Callable[[float], Command] | None:
    """What a message asks for: ``!melding``, ``!ja N``/``!nee N`` or ``!afloop I1 ...``."""
    member = rt.member_of(PLATFORM, message.account)
    word, _, rest = message.text.partition(" ")
    if member is None or not word.startswith("!"):
        return None  # not a member the bot knows, or not meant for the bot
    if word == "!melding":
        melding = Melding(category="inbraak", called_112=True, text=rest, action="ik blijf kijken")
        return lambda at: Report(at=at, reporter=member, melding=melding)
    if word in ("!ja", "!nee"):
        return lambda at: Decide(at=at, by=member, decision=int(rest), forward=word == "!ja")
    if word == "!afloop":
        incident, _, text = rest.partition(" ")
        return lambda at: Afloop(at=at, by=member, incident=incident, text=text)
    return None


def post_outbox(rt: Runtime, chat: FakePlatform) -> None:
    """Post every task that waits for the bot, and confirm it."""
    for task in rt.outbox(poster=None):
        ref = chat.post(task.group, task.text)
        # The melding carries its reporter's data: an erasure must find this post.
        casushouders = rt.relay.incident(task.incident).casushouders
        rt.record_post(PLATFORM, ref, members=[m for _, m in casushouders])
        rt.confirm(task.id)


def tell(chat: FakePlatform, rt: Runtime) -> Callable[[Submitted], None]:
    """A listener: what is not a delivery, the bot posts too (questions, reminders)."""

    def listener(done: Submitted) -> None:
        for out in done.outputs:
            if isinstance(out, PendingDecision):
                chat.post(out.decider, f"Vraag {out.id}: {out.question} (!ja {out.id} of !nee)")
            elif isinstance(out, Reminder):
                chat.post(rt.relay.incident(out.incident).origin, out.text)
            elif isinstance(out, IncidentClosed):
                print(f"  {out.incident} closed in {', '.join(out.groups)}")

    return listener


async def evening(rt: Runtime, chat: FakePlatform, inbox: list[Message]) -> None:
    stop = asyncio.Event()
    deadlines = asyncio.create_task(rt.run(stop))  # the deadline loop, beside the bot
    for message in inbox:  # a real bot: async for message in platform.updates()
        print(f"{message.id} from {message.account} in {message.group}: {message.text}")
        make = command_of(rt, message)
        if make is None:
            continue
        try:
            done = rt.submit(make, key=message.id)
        except RoutingError as refusal:  # tell the sender; nothing changed
            print(f"  refused: {refusal}")
            continue
        if done.duplicate:
            print(f"  {message.id} was taken in before (event {done.seq}): nothing done")
        post_outbox(rt, chat)
        await asyncio.sleep(0)
    stop.set()
    await deadlines


def main() -> None:
    hierarchy = load_hierarchy(FASE2)
    everyone = {hierarchy.name(m): m for g in hierarchy.groups() for m in hierarchy.members(g)}
    # The bot may post in every group of this platform, so no task waits for a person.
    config = RelayConfig(bot_platforms={hierarchy.settings.platform.name})
    chat = FakePlatform()
    clock = FakeClock(EVENING)
    inbox = [
        Message("m1", "+31600000004", "Wijkgroep Vlinderbuurt", "!melding man forceert achterdeur"),
        Message("m1", "+31600000004", "Wijkgroep Vlinderbuurt", "!melding man forceert achterdeur"),
        Message("m2", "+31600000000", "Stuurgroep Zoomwijck", "!nee 1"),
        Message("m3", "+31600000001", "Stuurgroep Zoomwijck", "!ja 2"),
        Message("m4", "+31600000004", "Wijkgroep Vlinderbuurt", "!afloop I1 Man aangehouden."),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "bot.db"
        with Runtime.open(state, hierarchy=hierarchy, clock=clock, config=config) as rt:
            rt.subscribe(tell(chat, rt))
            for name in ("Anna de Wit", "Bram Jansen", "Farid el Amrani"):
                member = everyone[name]
                rt.link(PLATFORM, f"+316{member:08d}", member)
            asyncio.run(evening(rt, chat, inbox))

            # Farid asks to be forgotten (AVG art. 17).
            print("Farid el Amrani asks to be erased")
            rt.erase(everyone["Farid el Amrani"], by=everyone["Farid el Amrani"])
            for ref in rt.redactions(PLATFORM):
                chat.redact(ref)
                rt.redacted(PLATFORM, ref)
            print(f"  account still linked: {rt.member_of(PLATFORM, '+31600000004') is not None}")
        for group, messages in chat.groups.items():
            print(f"{group}: {len(messages)} posts")


if __name__ == "__main__":
    main()
