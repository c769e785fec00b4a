"""Cosine nearest neighbours computed once per fit and shared by every UMAP of that fit.

UMAP finds neighbours itself: below 4,096 points from all pairwise distances, computed one pair
per Python call (about 35 s for 2,500 passages here), with pynndescent above, which spends most
of its time compiling with numba in each new process (about 20 s here); and the topic model runs
UMAP twice (clustering space and 2-D map). :func:`cosine_knn` computes the graph once and
:func:`umap_reduce` hands it to UMAP as ``precomputed_knn`` at every size (with
``force_approximation_algorithm``, without which UMAP ignores it below 4,096 points):

* up to :data:`EXACT_LIMIT` points exactly, by blocks of unit-vector dot products (about 1 s for
  10,000 passages, 21 s for 43,000 on 2 cores; the cost grows with the square of the number of
  points). The blocks run side by side, one thread per usable core, each product with one BLAS
  thread: a BLAS that splits a product over threads rounds it differently (at 1e-7) with their
  number, which changes near-tied neighbours, so this way the graph is the same on any machine;
* above it with pynndescent, seeded, as UMAP itself would run it.

A point is always its own first neighbour at distance 0 (even among exact duplicates), neighbours
are ordered by distance then index, and the computation has no randomness, so the graph (and
everything computed from it) is the same on every run.

UMAP's own numba kernels (the layout's gradient step, the fuzzy graph, the cosine distance) are
compiled without numba's on-disk cache, about 12 s in each new process. :func:`cache_umap_kernels`
turns that cache on for them before their first use, so a process compiles only once per install
(numba stores the compiled code beside the package's source, or in ``NUMBA_CACHE_DIR``; the code is
the same compiled code, so the results are too). Where no cache folder is writable, they are
compiled as before.

UMAP's serial layout step holds Python's lock while it runs, so two UMAPs in two threads take
turns. :func:`release_gil_in_umap_layout` compiles the same function with ``nogil=True`` (under
its own name, so that its disk cache is its own): the topic model computes the 2-D map in a
thread while it clusters, and the two share the cores. The compiled arithmetic is the same, and
so are the layouts.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

__all__ = ["EXACT_LIMIT", "cache_umap_kernels", "cosine_knn", "release_gil_in_umap_layout",
           "umap_reduce"]

#: Largest number of points whose neighbours are computed exactly.
EXACT_LIMIT = 60_000
_BLOCK = 1024
#: UMAP's numba kernels (module, attribute) that the serial, seeded runs of the topic model call and
#: that umap-learn compiles without a disk cache. Only the serial layout kernel: umap-learn compiles
#: the same function a second time with ``parallel=True``, and two variants of one function must not
#: share a cache file. (Kernels declared with a signature are compiled on import and are not listed.)
_UMAP_KERNELS = (("umap.layouts", "clip"), ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
                 ("umap.umap_", "smooth_knn_dist"), ("umap.umap_", "compute_membership_strengths"),
                 ("umap.utils", "fast_knn_indices"), ("umap.distances", "cosine"))


@lru_cache(maxsize=1)
def release_gil_in_umap_layout() -> bool:
    """Make umap-learn's serial layout step release Python's lock while it runs; True when it does.

    The step (``umap.layouts._nb_optimize_layout_euclidean_single_epoch``) is replaced by the same
    Python function compiled with the same options plus ``nogil=True``, under the name
    ``..._nogil`` so that numba's disk cache keeps it apart from the original (the cache does not
    tell compile options apart). Another umap-learn without that step is left as it is (False).
    """
    import types

    try:
        import numba
        import umap.layouts as layouts

        current = layouts._nb_optimize_layout_euclidean_single_epoch
    except (ImportError, AttributeError):
        return False
    if getattr(current, "targetoptions", {}).get("nogil"):
        return True
    py_func = getattr(current, "py_func", None)
    if py_func is None:
        return False
    twin = types.FunctionType(py_func.__code__, py_func.__globals__, py_func.__name__, py_func.__defaults__,
                              py_func.__closure__)
    twin.__qualname__ = py_func.__qualname__ + "_nogil"
    twin.__module__ = py_func.__module__
    twin.__kwdefaults__ = py_func.__kwdefaults__
    kernel = numba.njit(twin, fastmath=True, parallel=False, nogil=True)
    try:
        kernel.enable_caching()
    except RuntimeError:  # no writable folder for numba's cache: compiled in each process
        pass
    layouts._nb_optimize_layout_euclidean_single_epoch = kernel
    return True


#: UMAP's warnings about how the topic model calls it, not about the data: the model hands UMAP a
#: precomputed graph without a search index ("transform will not work"; it never calls
#: UMAP.transform) and a seed with one job.
_UMAP_NOTICES = (".*precomputed_knn.*", ".*n_jobs value.*")
_UMAP_MODULES = r"umap(\.|$)"


def prepare_umap() -> None:
    """What :func:`umap_reduce` sets up before UMAP runs; call it before UMAPs run in threads.

    Once per process, the layout step is made to release Python's lock and UMAP's kernels get a
    disk cache. On every call, :data:`_UMAP_NOTICES` are filed as ignored (for warnings raised in
    umap-learn's own modules only) where missing: a ``catch_warnings`` block drops, when it ends,
    the filters added inside it, and a ``catch_warnings`` block around each UMAP would not be safe
    with two UMAPs in two threads (it saves and restores the process's filters).
    """
    release_gil_in_umap_layout()
    cache_umap_kernels()
    present = {(f[1].pattern, f[3].pattern) for f in warnings.filters
               if f[0] == "ignore" and f[1] is not None and f[3] is not None}
    for message in _UMAP_NOTICES:
        if (message, _UMAP_MODULES) not in present:
            warnings.filterwarnings("ignore", message=message, module=_UMAP_MODULES)


@lru_cache(maxsize=1)
def cache_umap_kernels() -> tuple[str, ...]:
    """Turn on numba's disk cache for UMAP's uncached kernels; return those it now caches.

    A kernel that is missing (another umap-learn), already compiled in this process, already
    cached, or whose cache has no writable folder is left as it is.
    """
    import importlib

    cached = []
    for module, name in _UMAP_KERNELS:
        try:
            kernel = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if not hasattr(kernel, "enable_caching") or kernel.signatures:
            continue
        if type(getattr(kernel, "_cache", None)).__name__ != "NullCache":
            continue
        try:
            kernel.enable_caching()
        except RuntimeError:  # numba found no writable folder for the cache
            continue
        cached.append(f"{module}.{name}")
    return tuple(cached)


def cosine_knn(unit: np.ndarray, k: int, *, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)`` of the ``k`` nearest neighbours of each row, self first.

    Parameters
    ----------
    unit : ndarray of shape (n, dim)
        Unit-length vectors; distance is ``1 - cosine similarity``.
    k : int
        Neighbours per point, the point itself included.
    random_state : int
        Seed of pynndescent above :data:`EXACT_LIMIT` points.
    """
    n = len(unit)
    if not 1 <= k <= n:
        raise ValueError(f"k={k} neighbours asked of {n} points")
    if n > EXACT_LIMIT:
        from umap.umap_ import nearest_neighbors

        indices, distances, _ = nearest_neighbors(unit, k, "cosine", {}, True, np.random.RandomState(random_state),
                                                  low_memory=True, use_pynndescent=True, n_jobs=1)
        return indices, distances.astype(np.float32)
    vectors = np.ascontiguousarray(unit, dtype=np.float32)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)

    def block(start: int) -> None:
        sims = vectors[start:start + _BLOCK] @ vectors.T
        rows = np.arange(len(sims))
        sims[rows, start + rows] = np.inf  # self first, even among exact duplicates
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part_sims = np.take_along_axis(sims, part, axis=1)
        order = np.lexsort((part, -part_sims), axis=1)  # by similarity, then by index
        indices[start:start + len(sims)] = np.take_along_axis(part, order, axis=1)
        chosen = np.take_along_axis(part_sims, order, axis=1)
        chosen[:, 0] = 1.0
        distances[start:start + len(sims)] = np.clip(1.0 - chosen, 0.0, 2.0)

    from threadpoolctl import threadpool_limits

    starts = range(0, n, _BLOCK)
    workers = min(_knn_threads(), len(starts))
    # each product with one BLAS thread, whatever the cores; the blocks side by side (the selection,
    # most of the time, is serial in numpy)
    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1:
            for start in starts:
                block(start)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(block, starts))
    return indices, distances


def _knn_threads() -> int:
    from ..vectorize.encoders import available_cores  # affinity, CPU quota, thread variables

    return available_cores()


def umap_reduce(unit: np.ndarray, *, knn: tuple[np.ndarray, np.ndarray] | None, **params) -> np.ndarray:
    """``UMAP(**params).fit_transform(unit)`` on the precomputed neighbour graph ``knn`` when given.

    The graph is used at every size: below 4,096 points UMAP would otherwise compute all pairwise
    distances one pair per Python call, for the same exact neighbours (same topic quality over
    seeds on 2,513 BBC passages, 4.6 times faster).
    """
    from umap import UMAP

    prepare_umap()
    if knn is not None:
        params["precomputed_knn"] = (knn[0][:, : params["n_neighbors"]], knn[1][:, : params["n_neighbors"]], None)
        params["force_approximation_algorithm"] = True
    return UMAP(**params).fit_transform(unit)  # its notices about these settings are ignored (prepare_umap)
