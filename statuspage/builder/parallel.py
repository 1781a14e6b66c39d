"""Share work between this process and forked copies of it, one per spare core.

A forked worker starts with everything this process holds (the loaded site, the compiled
templates), so only results travel back, pickled through a pipe. The same function runs on
the same inputs in every process, so the split never changes a byte of the result.

Forking is only safe while this process runs a single thread (a lock held by another thread
at the fork would stay held forever in the copy); otherwise, and where there is no `fork`,
everything runs here, one part after the other.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
# Set STATUSPAGE_WORKERS=1 to keep everything in one process (to profile, or to compare).
WORKERS_VARIABLE = "STATUSPAGE_WORKERS"


class WorkerError(Exception):
    """A worker failed with an exception that could not be sent back as it was."""


def cores() -> int:
    """How many processes may share work: the cores this process may use, or the setting."""
    wanted = os.environ.get(WORKERS_VARIABLE, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1 and sys.platform != "darwin"


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Keep what this process holds out of the cycle collector's way for a while
    (`gc.freeze`): collections then walk only what is made meanwhile, and forked workers
    share those pages instead of copying them. Nests: only the outermost thaws."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()


def split(task: Callable[[int, int], T], parts: int) -> list[T]:
    """`[task(0, parts), …, task(parts - 1, parts)]`, the parts after the first in forked
    workers while this process does the first. Exceptions of a worker are raised here."""
    if parts <= 1 or not can_fork():
        return [task(part, parts) for part in range(parts)]
    children: list[tuple[int, int]] = []
    # The workers then share the heap instead of copying what a collection touches.
    with frozen():
        try:
            for part in range(1, parts):
                read_end, write_end = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - runs in the worker, which never returns
                    os.close(read_end)
                    _work(task, part, parts, write_end)
                os.close(write_end)
                children.append((pid, read_end))
            results = [task(0, parts)]
            failure: BaseException | None = None
            for pid, read_end in children:
                with os.fdopen(read_end, "rb") as pipe:
                    payload = pipe.read()
                os.waitpid(pid, 0)
                try:
                    ok, value = pickle.loads(payload)
                except Exception:  # the worker died before it could answer
                    ok, value = False, WorkerError(f"worker {pid} ended without a result")
                if ok:
                    results.append(value)
                elif failure is None:
                    failure = value
            if failure is not None:
                raise failure
            return results
        except BaseException:
            for pid, read_end in children:
                try:
                    os.close(read_end)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            raise


def _work(task: Callable[[int, int], T], part: int, parts: int, write_end: int) -> None:
    """The worker's whole life: run its part, send the result or the exception, exit."""
    try:
        try:
            payload = pickle.dumps((True, task(part, parts)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:
            try:
                payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                text = "".join(traceback.format_exception(exc))
                payload = pickle.dumps((False, WorkerError(text)))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(0)  # no atexit handlers, no buffers of the parent flushed twice
