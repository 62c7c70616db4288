"""Pure work run in a forked child beside the caller's own, its result piped back: a second core for the matrix.

A bare os.fork, not multiprocessing or billiard: a Celery prefork worker is a daemonic process, which
multiprocessing refuses to give children, and billiard's own fork runs Celery's after-fork hooks in the child,
which close the worker's broker connections. A bare fork runs only the os.register_at_fork hooks (matplotlib
empties its font cache). The child does pure work (no database, no broker, no Django), writes the pickled result
to a pipe and leaves with os._exit, so no finaliser of the parent's connections runs in it.

Whatever goes wrong in the child (an error, a crash, no answer within the timeout) the caller does the work
itself: the child only ever saves time.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 120.0  # far beyond the few seconds the matrix takes; a hung child then costs no more than this


class Child(Generic[T]):
    """`work` running in a forked child from construction; `result()` waits for it, `close()` abandons it."""

    def __init__(self, work: Callable[[], T], timeout: float = TIMEOUT_SECONDS) -> None:
        self.work, self.timeout = work, timeout
        self.pid: int | None = None
        self.fd: int | None = None
        if not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            log.warning("could not fork a child: the work runs in this process", exc_info=True)
            return
        if pid == 0:
            # The child lives for the one piece of work: a collection would walk (and so copy) every object the
            # parent holds, which took longer than the work itself.
            gc.disable()
            os.close(read)
            run_and_exit(work, write)
        os.close(write)
        self.pid, self.fd = pid, read

    def result(self) -> T:
        """The child's result; the work done here when no child ran or it gave none."""
        data = self.collect()
        if data is None:
            return self.work()
        return pickle.loads(data)  # noqa: S301 - our own child's bytes, over our own pipe

    def collect(self) -> bytes | None:
        if self.pid is None or self.fd is None:
            return None
        chunks, deadline = [], time.monotonic() + self.timeout
        waiting = select.poll()  # not select(): a worker holding over 1,024 descriptors would make it fail
        waiting.register(self.fd, select.POLLIN)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not waiting.poll(left * 1000):
                log.warning("the forked child gave no result in %g s: the work runs in this process", self.timeout)
                self.close()
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        status = self.close(wait=True)  # the pipe closed: the child is leaving
        if status != 0 or not chunks:
            log.warning("the forked child failed (exit status %s): the work runs in this process", status)
            return None
        return b"".join(chunks)

    def close(self, *, wait: bool = False) -> int | None:
        """Reap the child (killing it first unless `wait`); return its exit status (None when it was killed)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        if not wait:
            os.kill(pid, signal.SIGKILL)  # its result is no longer wanted (or never came)
        _pid, status = os.waitpid(pid, 0)
        return None if not wait else os.waitstatus_to_exitcode(status)

    def __enter__(self) -> Child[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def run_and_exit(work: Callable[[], object], fd: int) -> None:
    """In the child: write the pickled result to the pipe, then leave at once (exit status 1 on any error)."""
    status = 1
    try:
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        status = 0
    except BaseException:  # noqa: BLE001 - the parent does the work itself; nothing may escape into its code
        pass
    finally:
        os._exit(status)
