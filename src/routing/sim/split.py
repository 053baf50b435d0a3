"""A simulation split by gemeente, on any :class:`concurrent.futures.Executor`.

Routing never crosses a gemeente (the gemeentelijke regiegroep is the top of
every path, G4), so a run over many gemeenten is as many independent runs:
:func:`simulate_split` cuts the hierarchy with
:func:`~routing.hierarchy.split.split_by_gemeente`, runs one task per
gemeente (:func:`run_gemeente`, a module-level function, so it pickles) and
merges the results with :func:`routing.sim.samples.merge`.

* **Seeds.** Each gemeente's run has its own seed, derived from the run's
  seed and the gemeente's name by SHA-256 (:func:`gemeente_seed`), never by
  Python's ``hash()``, which differs between processes. So a gemeente's figures do
  not depend on which other gemeenten run, nor where, nor in what order.
* **Merging.** Parts are merged in the order of the gemeenten's names,
  whatever order they finish in; counts add up and every distribution is
  summarised again from the samples of all parts. The merged
  :class:`~routing.sim.config.SimResult` is the same, bit for bit, whether
  the tasks ran in this process, in a process pool or on a cluster.
* **Executors.** ``executor=None`` runs the tasks one after the other in
  this process; :func:`process_pool` makes a pool of local processes; a
  Dask cluster's ``Client.get_executor()`` (``pip install
  ".[dask]"``) is an executor too (``docs/howto-research-at-scale.md``).
  Tasks are handed out largest gemeente first, so that no worker is left
  with a big one at the end.

It is not the same run as :func:`~routing.sim.simulate.simulate` over the
whole hierarchy, which draws every gemeente's events from one random stream:
the figures agree in distribution, not draw for draw. Incident ids count per
gemeente (each part's relay starts at ``I1``); an incident's ``origin``
names its group in the whole. :attr:`SimConfig.keep_log` is refused: a log
of commands would use each part's own member ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import math
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from functools import partial

import attrs

from routing import gcpause as _collector
from routing.errors import InvalidValueError
from routing.hierarchy.split import GemeenteState, split_by_gemeente
from routing.model import Hierarchy

from .config import ReadingResult, SimConfig, SimResult
from .loop import Run
from .samples import Part, Samples, merge

__all__ = [
    "GemeenteTask",
    "executor_for",
    "gemeente_seed",
    "process_pool",
    "run_gemeente",
    "run_parts",
    "simulate_split",
    "tasks_for",
]

#: What the seeds are derived under, so no other use of SHA-256 collides with it.
_SEED_DOMAIN = b"routing.sim.split gemeente seed\x00"


def gemeente_seed(seed: int, gemeente: str) -> int:
    """The seed of ``gemeente``'s run in a split run with ``seed``: 64 bits of SHA-256.

    Stable across processes, machines and Python versions.
    """
    text = f"{seed}\x00{gemeente}".encode()
    return int.from_bytes(hashlib.sha256(_SEED_DOMAIN + text).digest()[:8], "big")


@attrs.frozen(kw_only=True)
class GemeenteTask:
    """One gemeente's run: its part of the hierarchy, the config, its seed. Picklable."""

    part: GemeenteState
    config: SimConfig
    seed: int
    weeks: float


def tasks_for(
    h: Hierarchy, config: SimConfig | None = None, *, seed: int = 0, weeks: float = 1.0
) -> list[GemeenteTask]:
    """One task per gemeente of ``h`` that has members, in the order of the gemeenten's names."""
    config = config if config is not None else SimConfig()
    _check(config, weeks)
    with _collector.paused():  # plain data, no cycles: nothing to collect
        parts = sorted(split_by_gemeente(h), key=lambda p: p.gemeente)
    return [
        GemeenteTask(part=p, config=config, seed=gemeente_seed(seed, p.gemeente), weeks=weeks)
        for p in parts
        if p.size
    ]


def run_gemeente(task: GemeenteTask, progress: Callable[[float], None] | None = None) -> Part:
    """Run one gemeente (in whatever process): its result and samples, ids as in the whole.

    ``progress`` is called with the fraction of the gemeente's virtual time done.
    """
    started = time.perf_counter()
    h = Hierarchy.from_state(task.part.state)
    run = Run(h, task.config, task.seed, task.weeks)
    with _collector.paused():
        result = run.go(progress)
    samples = run.tally.samples
    assert samples is not None  # go() summed it up
    ids = task.part.members
    reading = run.reading.samples if run.reading is not None else None
    busiest = tuple((ids[m], d, f) for m, d, f in result.busiest)
    r = result.reading
    part_reading: ReadingResult | None = None
    if r is not None:
        part_reading = attrs.evolve(r, departures=tuple((ids[m], t) for m, t in r.departures))
    return Part(
        name=task.part.gemeente,
        result=attrs.evolve(result, busiest=busiest, reading=part_reading),
        samples=Samples(
            reach=samples.reach,
            last_reach=samples.last_reach,
            messages=samples.messages,
            decisions=samples.decisions,
            forwards=samples.forwards,
            busiest=tuple((ids[m], d, f) for m, d, f in samples.busiest),
        ),
        reading=reading,
        seconds=time.perf_counter() - started,
    )


def run_parts(
    tasks: Iterable[GemeenteTask],
    executor: Executor | None = None,
    *,
    progress: Callable[[float, int], None] | None = None,
) -> list[Part]:
    """Run ``tasks`` on ``executor`` (``None``: here, one after the other).

    Returns the parts in the order of ``tasks``. ``progress`` is called with
    (gemeenten done, gemeenten in all) as each one finishes; when they run
    here, also in between, with the share of the running one added.
    """
    todo = list(tasks)
    n = len(todo)
    if progress is not None:
        progress(0, n)
    if executor is None:
        done: list[Part] = []
        for task in todo:
            within = None if progress is None else partial(_within, progress, len(done), n)
            done.append(run_gemeente(task, within))
            if progress is not None:
                progress(len(done), n)
        return done
    # Largest first: the last task to start should be a small one.
    order = sorted(range(n), key=lambda i: (-todo[i].part.size, i))
    parts: list[Part | None] = [None] * n
    # Taking the parts in makes millions of objects (incidents, reach times)
    # and no cycles; with the collector on, its full collections would walk
    # them and whatever the caller holds (a national hierarchy) again and
    # again, on a core the workers need.
    with _collector.paused():
        futures = {executor.submit(run_gemeente, todo[i]): i for i in order}
        for count, future in enumerate(as_completed(futures), start=1):
            parts[futures[future]] = future.result()
            if progress is not None:
                progress(count, n)
    return [p for p in parts if p is not None]


def _within(report: Callable[[float, int], None], base: int, n: int, fraction: float) -> None:
    report(base + fraction, n)


def simulate_split(
    hierarchy: Hierarchy,
    config: SimConfig | None = None,
    *,
    seed: int = 0,
    weeks: float = 1.0,
    executor: Executor | None = None,
    progress: Callable[[float, int], None] | None = None,
) -> SimResult:
    """Simulate every gemeente of ``hierarchy`` apart and merge: see the module docstring.

    ``executor`` runs the tasks (``None``: in this process); ``progress`` is
    called with (gemeenten done, gemeenten in all).
    """
    tasks = tasks_for(hierarchy, config, seed=seed, weeks=weeks)
    parts = run_parts(tasks, executor, progress=progress)
    with _collector.paused():
        return merge(parts, seed=seed, weeks=weeks)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes for :func:`simulate_split`.

    Its processes are started fresh (``spawn``), not forked: a fork copies
    whatever threads hold (a progress bar's, say) and the whole hierarchy the
    parent built, which the tasks do not need.
    """
    if workers < 1:
        raise InvalidValueError(workers, "workers must be at least 1")
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextlib.contextmanager
def executor_for(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """The executor of ``workers`` local processes, or of the Dask scheduler at ``scheduler``.

    ``workers=1`` and no scheduler gives ``None``: the tasks run in this
    process. A scheduler address (``tcp://host:8786``) needs the ``dask``
    extra; the client connects for as long as the ``with`` block lasts.
    """
    if scheduler is not None:
        try:
            distributed = importlib.import_module("distributed")
        except ImportError as err:
            raise InvalidValueError(
                scheduler,
                'a Dask scheduler needs distributed: pip install "buurtpreventie-routing[dask]"',
            ) from err
        with distributed.Client(scheduler, timeout="10s") as client:
            yield client.get_executor()
    elif workers == 1:
        yield None
    else:
        with process_pool(workers) as pool:
            yield pool


def _check(config: SimConfig, weeks: float) -> None:
    if not (math.isfinite(weeks) and weeks > 0):
        raise InvalidValueError(weeks, "weeks must be a positive number")
    if config.keep_log:
        raise InvalidValueError(
            config.keep_log, "keep_log is for one run: a split run keeps no log of commands"
        )
