"""Hypothesis strategies for the tests, one submodule per part of the library.

Tests import them as ``from strategies import ...``.
"""

from .hierarchy import *  # noqa: F403
from .melding import *  # noqa: F403
