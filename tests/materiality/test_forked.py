"""Work in a forked child: its result comes back, and whatever goes wrong there the caller does the work itself."""

from __future__ import annotations

import os
import signal
import time

import pytest

from materiality import forked


def child_pid_and(value: object):  # noqa: ANN201 - the work: () -> (pid it ran in, value)
    return lambda: (os.getpid(), value)


def is_reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_result_comes_from_another_process():
    child = forked.Child(child_pid_and({"png": b"\x89PNG" * 100_000}))
    pid = child.pid
    ran_in, value = child.result()
    assert ran_in == pid != os.getpid()
    assert value == {"png": b"\x89PNG" * 100_000}  # larger than a pipe's buffer: read while the child writes
    assert is_reaped(pid)


def test_an_error_in_the_child_means_the_work_is_done_here(caplog):
    calls = []

    def work() -> str:
        calls.append(os.getpid())
        if len(calls) == 1 and os.getpid() != parent:
            raise ValueError("broken in the child")
        return "done"

    parent = os.getpid()
    assert forked.Child(work).result() == "done"
    assert calls == [parent]  # the child's own call appended in the child's memory only
    assert "the forked child failed (exit status 1)" in caplog.text


def test_a_child_killed_before_answering_means_the_work_is_done_here(caplog):
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()

    assert forked.Child(work).result() == parent
    assert "the forked child failed (exit status -9)" in caplog.text


def test_a_child_that_never_answers_is_killed_after_the_timeout(caplog):
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            time.sleep(60)
        return os.getpid()

    child = forked.Child(work, timeout=0.5)
    pid = child.pid
    started = time.monotonic()
    assert child.result() == parent
    assert time.monotonic() - started < 5
    assert is_reaped(pid)
    assert "gave no result in 0.5 s" in caplog.text


def test_closing_before_the_result_stops_and_reaps_the_child():
    parent = os.getpid()

    def work() -> None:
        if os.getpid() != parent:
            time.sleep(60)

    with forked.Child(work) as child:
        pid = child.pid
    assert is_reaped(pid)
    child.close()  # twice is harmless


def test_without_fork_the_work_runs_here(monkeypatch):
    def no_fork() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    child = forked.Child(lambda: os.getpid())
    assert child.pid is None
    assert child.result() == os.getpid()


@pytest.mark.parametrize("value", [None, 0, "", []])
def test_a_falsy_result_is_still_a_result(value):
    parent = os.getpid()
    seen = []

    def work() -> object:
        seen.append(os.getpid())
        return value

    assert forked.Child(work).result() == value
    assert parent not in seen  # the child's answer was taken, not worked out again here
