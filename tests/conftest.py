"""Shared test configuration: Hypothesis profiles.

Pick one with the environment variable ``HYPOTHESIS_PROFILE``:

* ``default``: quick enough to run on every save; the whole suite stays well
  under two minutes on two cores;
* ``ci``: the same budget, derandomized so a run is reproducible, and printing
  the blob that replays a failure; the profile when the environment variable
  ``CI`` is set (``.ci/run`` sets it), so that a red CI is a defect that the
  same command shows again, never an unlucky draw;
* ``thorough``: many more examples, for a run before a release or after
  changing the model.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Building a hierarchy through the public API draws a lot of data; that is the
# point of the strategies, not a sign of a slow test.
_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "default", max_examples=50, deadline=None, suppress_health_check=_SLOW_DATA
)
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    derandomize=True,
    print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=_SLOW_DATA
)

settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(autouse=True)
def _no_lang_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line prints English unless a test asks otherwise, whatever
    ``BUURTROUTING_LANG`` the shell that runs the tests has."""
    monkeypatch.delenv("BUURTROUTING_LANG", raising=False)
