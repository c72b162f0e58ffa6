"""The bulletin's worker processes: spawned, and ended with the process that started them.

A worker is a fresh interpreter (*spawn*), never a fork of a process that may be running DuckDB
and Polars threads. As with every spawned process, a script that renders the bulletin guards
its top level with ``if __name__ == "__main__":``, since the worker imports the script's module.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor


def process_pool() -> ProcessPoolExecutor:
    """A pool of one spawned worker that ends when this process ends, however it ends."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker_setup)


def worker_setup() -> None:
    """Run first in every worker: it ends when its parent ends, however the parent ends, and
    it ends without the interpreter's shutdown once its work is done."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        # an idle worker waits for work from its parent and would never learn of its death
        threading.Thread(target=_exit_after, args=(parent.sentinel,), daemon=True,
                         name="end-with-parent").start()
    # when the interpreter shuts down every result has been sent; the shutdown (vl-convert's
    # JavaScript engine's included) would only compete with the parent for the CPU
    atexit.register(os._exit, 0)


def _exit_after(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)  # nothing is left to deliver: end at once, from this thread
