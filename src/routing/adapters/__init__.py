"""Platforms the routing path runs on: each adapter turns a chat platform's
messages into runtime commands and posts what the runtime hands out.

Adapters are optional extras (``pip install "buurtpreventie-routing[matrix]"``)
and sit above :mod:`routing.runtime`, below :mod:`routing.cli`.
"""
