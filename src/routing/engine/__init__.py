"""The engine layer: the routing path, sans-I/O.

:class:`routing.relay.Relay` is this layer's front door. Commands go in
(:mod:`.commands`), frozen outputs come out (:mod:`.outputs`); the stuurgroep's
relevance decisions are policies (:mod:`.policies`); an incident's life is one
transition table (:mod:`.incident`); who is on duty and which step leads where
is one routing table (:mod:`.tables`). Nothing here prints, reads a clock,
draws a random number or touches a file: time and seeds arrive on commands.
"""
