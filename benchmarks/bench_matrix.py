"""The Matrix bridge on a local Synapse: end-to-end time and sustained rate.

    python benchmarks/bench_matrix.py [--reports 12] [--burst 60] [--json]

Needs ``pip install -e ".[matrix-test]"`` (matrix-nio and matrix-synapse). It
starts Synapse on 127.0.0.1 in a temporary directory, provisions the
phase-2 Zoomwijck (``examples/zoomwijck-fase2.toml``) and runs the bridge
as a child process with ``--policy always`` (every decision yes), so one
report reaches its wijkgroep, the four siblings and the regiegroep: six
room posts.

* **End to end**: for each of ``--reports`` reports, one after another,
  from the homeserver's timestamp of the resident's message to that of the
  bridge's last room post for it (both ``origin_server_ts``, milliseconds,
  so the benchmark's own polling adds nothing). Median and p95.
* **Sustained**: ``--burst`` replies to one melding sent at once (R4),
  half in the origin room and half in a sibling room; each becomes a
  reaction the bridge posts back into its room. Messages per second from
  the homeserver's timestamp of the first reply to that of the bridge's
  last post for them.

The figures are this machine's and this homeserver's (SQLite, one process):
a bridge waits for every post, so the homeserver's time per event is most
of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/matrix/evening.py: the evening the live tests run

from tests.matrix.evening import Evening, until  # noqa: E402

from routing.adapters.matrix.localserver import LocalSynapse  # noqa: E402
from routing.adapters.matrix.provision import ok  # noqa: E402

CATEGORIES = (
    "inbraak",
    "poging tot inbraak",
    "verdachte situatie",
    "verdachte persoon",
    "verdacht voertuig",
    "diefstal",
    "vernieling",
    "straatroof",
    "overval",
    "bedreiging",
    "mishandeling",
    "vermissing",
    "babbeltruc",
)
REACHED = (
    "Wijkgroep Vogelbuurt",
    "Wijkgroep Vlinderbuurt",
    "Wijkgroep Bomenbuurt",
    "Wijkgroep Bloemenbuurt",
    "Wijkgroep Schildersbuurt",
    "Regiegroep Zoomwijck",
)


async def _tagged(ev: Evening, tag: str, groups: tuple[str, ...]) -> list[dict[str, Any]] | None:
    found = []
    for g in groups:
        posts = [p for p in await ev.bot_posts(g) if tag in p["content"].get("body", "")]
        if not posts:
            return None
        found += posts
    return found


async def _measure(server: LocalSynapse, tmp: Path, reports: int, burst: int) -> dict[str, Any]:
    ev = Evening(server, tmp, "bench")
    try:
        await ev.provision()
        ev.start_bridge("--policy", "always")
        await ev.bridge_synced()
        latencies: list[float] = []
        first: dict[str, Any] | None = None
        for i in range(min(reports, len(CATEGORIES))):
            tag = f"bench{i}x"
            sent = await ev.say(
                "vogel5",
                "Wijkgroep Vogelbuurt",
                f'!melding categorie="{CATEGORIES[i]}" 112=ja tekst="{tag}"',
            )
            c = ev.clients["sg0"]
            mine = ok(await c.room_get_event(ev.rooms["Wijkgroep Vogelbuurt"], sent))
            start = mine.event.server_timestamp

            async def reached(tag: str = tag) -> list[dict[str, Any]] | None:
                return await _tagged(ev, tag, REACHED)

            posts = await until(reached, timeout=120, what=f"report {i}", alive=ev.bridge)
            latencies.append((max(p["origin_server_ts"] for p in posts) - start) / 1000)
            if first is None:
                first = next(p for p in posts if p["room_id"] == ev.rooms["Wijkgroep Vogelbuurt"])
        assert first is not None
        # The burst: replies to the first melding, sent at once, half of them
        # in a sibling room (to the melding's post there).
        bomen_first = (await _tagged(ev, "bench0x", ("Wijkgroep Bomenbuurt",)) or [first])[0]
        targets = {"Wijkgroep Vogelbuurt": first, "Wijkgroep Bomenbuurt": bomen_first}
        sends = []
        for k in range(burst):
            who, group = (
                ("bomen5", "Wijkgroep Bomenbuurt") if k % 2 else ("vogel5", "Wijkgroep Vogelbuurt")
            )
            relates = {"m.in_reply_to": {"event_id": targets[group]["event_id"]}}
            sends.append(
                ev.say(who, group, f"aanvulling r{k}x: richting park", **{"m.relates_to": relates})
            )
        t0 = time.perf_counter()
        ids = await asyncio.gather(*sends)
        ts0 = min(
            [
                ok(await c.room_get_event(ev.rooms[g], e)).event.server_timestamp
                for e, g in zip(
                    ids,
                    [
                        ("Wijkgroep Bomenbuurt" if k % 2 else "Wijkgroep Vogelbuurt")
                        for k in range(burst)
                    ],
                    strict=True,
                )
            ]
        )

        async def all_done() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = []
            for k in range(burst):
                room = "Wijkgroep Bomenbuurt" if k % 2 else "Wijkgroep Vogelbuurt"
                got = await _tagged(ev, f"r{k}x:", (room,))
                if got is None:
                    return None
                found += got
            return found

        done = await until(all_done, timeout=300, what="the burst", alive=ev.bridge)
        wall = time.perf_counter() - t0
        posts_total = 0
        last = 0
        for g in REACHED:
            for p in await ev.bot_posts(g):
                body = p["content"].get("body", "")
                if "aanvulling r" in body:
                    posts_total += 1
                    last = max(last, p["origin_server_ts"])
        span = max((last - ts0) / 1000, 1e-3)
        del done
        ev.stop_bridge()
        return {
            "reports": len(latencies),
            "end_to_end_median_s": statistics.median(latencies),
            "end_to_end_p95_s": sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)],
            "end_to_end_max_s": max(latencies),
            "burst_messages": burst,
            "burst_span_s": span,
            "messages_per_s": burst / span,
            "room_posts": posts_total,
            "room_posts_per_s": posts_total / span,
            "burst_wall_s": wall,
        }
    finally:
        await ev.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=12, help="reports, one after another (<=13)")
    ap.add_argument("--burst", type=int, default=60, help="replies sent at once")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        server = LocalSynapse(Path(d) / "synapse")
        server.start()
        try:
            tmp = Path(d) / "evening"
            tmp.mkdir()
            result = asyncio.run(_measure(server, tmp, args.reports, args.burst))
        finally:
            server.stop()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"end to end over {result['reports']} reports (resident's message -> last of 6 posts):")
    print(
        f"  median {result['end_to_end_median_s'] * 1000:.0f} ms, "
        f"p95 {result['end_to_end_p95_s'] * 1000:.0f} ms, "
        f"max {result['end_to_end_max_s'] * 1000:.0f} ms"
    )
    print(
        f"sustained: {result['burst_messages']} replies in {result['burst_span_s']:.2f} s = "
        f"{result['messages_per_s']:.1f} messages/s, "
        f"{result['room_posts']} room posts = {result['room_posts_per_s']:.1f} posts/s"
    )


if __name__ == "__main__":
    main()
