"""A real Synapse for the Matrix tests, started once per session on 127.0.0.1.

The tests that need it skip where matrix-nio or matrix-synapse is not
installed, unless ``ROUTING_MATRIX_TESTS=require`` (``.ci/run`` sets it):
then a missing homeserver is a failure, so CI never passes by skipping.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRED = os.environ.get("ROUTING_MATRIX_TESTS") == "require"


def need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if REQUIRED:
            pytest.fail(f"{module} is not installed and ROUTING_MATRIX_TESTS=require")
        pytest.skip(f"{module} is not installed")


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    need("nio")
    need("synapse")
    from routing.adapters.matrix.localserver import LocalSynapse

    server = LocalSynapse(Path(tmp_path_factory.mktemp("synapse")))
    server.start(timeout=120)
    try:
        yield server
    finally:
        server.stop()
