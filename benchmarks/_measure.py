"""Wall time and peak memory of benchmark steps.

``measure(name)`` is a context manager yielding a :class:`Step` that is filled in on exit:

* ``seconds``: wall-clock seconds (``time.perf_counter``);
* ``rss_peak``: the process's resident set size at its highest during the step, sampled by a
  background thread every 20 ms (and at the step's start and end): the memory the machine must
  really have, including native allocations (torch, numba, BLAS) that tracemalloc cannot see;
* ``python_peak``: with ``trace_python=True``, the peak of memory allocated through Python's
  allocators during the step (``tracemalloc``), or ``None``. Tracing slows Python-heavy code
  several times over, so benchmarks switch it on only when asked.

Steps nest: an inner step's peaks are included in the outer step's.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import psutil

MB = 1024 * 1024


class _RssSampler:
    """One daemon thread sampling the RSS; every open step keeps its own running peak."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self._process = psutil.Process()
        self._lock = threading.Lock()
        self._peaks: dict[int, int] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def _sample(self) -> int:
        rss = self._process.memory_info().rss
        with self._lock:
            for token, peak in self._peaks.items():
                if rss > peak:
                    self._peaks[token] = rss
        return rss

    def _run(self) -> None:
        while True:
            self._sample()
            time.sleep(self.interval)

    def open(self) -> tuple[int, int]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
            self._thread.start()
        rss = self._process.memory_info().rss
        with self._lock:
            token, self._next = self._next, self._next + 1
            self._peaks[token] = rss
        return token, rss

    def close(self, token: int) -> int:
        self._sample()
        with self._lock:
            return self._peaks.pop(token)


_SAMPLER = _RssSampler()
_PYTHON_PEAKS: list[int] = []  # peak so far of each open traced step, outermost first


@dataclass
class Step:
    """What one measured step cost."""

    name: str
    items: int = 0
    unit: str = "items"
    seconds: float = 0.0
    rss_start: int = 0
    rss_peak: int = 0
    python_peak: int | None = None
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else float("nan")

    def as_dict(self) -> dict:
        return asdict(self)


@contextmanager
def measure(name: str, *, items: int = 0, unit: str = "items", trace_python: bool = False) -> Iterator[Step]:
    """Measure the enclosed block; set ``step.items`` inside it when the count is known only then."""
    step = Step(name, items=items, unit=unit)
    token, step.rss_start = _SAMPLER.open()
    if trace_python:
        if not tracemalloc.is_tracing():
            tracemalloc.start()
        if _PYTHON_PEAKS:  # keep the enclosing step's peak so far before resetting the counter
            _PYTHON_PEAKS[-1] = max(_PYTHON_PEAKS[-1], tracemalloc.get_traced_memory()[1])
        tracemalloc.reset_peak()
        _PYTHON_PEAKS.append(0)
    start = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - start
        step.rss_peak = _SAMPLER.close(token)
        if trace_python:
            step.python_peak = max(_PYTHON_PEAKS.pop(), tracemalloc.get_traced_memory()[1])
            if _PYTHON_PEAKS:
                _PYTHON_PEAKS[-1] = max(_PYTHON_PEAKS[-1], step.python_peak)
            else:
                tracemalloc.stop()


def process_peak_rss() -> int:
    """The process's peak resident set size since it started (``getrusage``), in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
