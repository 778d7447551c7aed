"""How many threads a question may use.

On the 2-core machines this project is measured on, one question runs fastest on one thread: its
matrix products are small, and idle OpenBLAS and OpenMP threads keep spinning on a core after each
product, slowing the next step that needs it (1M passages, search p50/p95: 81/165 ms with every
library's default threads, 52/80 with BLAS on one thread, 42/63 with torch and FAISS on one thread
too; bench/scale.py). Two users asking at once then use both cores. The reader is the exception: it
reads two passages of ~150 tokens, work that two threads do faster (seed archive, ask p50 135 ms on one
thread, 99 ms with the reader on two), so ``ask`` limits OpenMP for retrieval only. Builds keep every thread.

threadpoolctl (a well-kept library, already installed by scikit-learn) finds the BLAS and OpenMP
libraries numpy, FAISS and torch loaded and changes their thread counts for the span of a call.
OpenMP's count belongs to the calling thread, so concurrent questions do not disturb each other;
OpenBLAS's is process-wide, so it is lowered once while any question runs and restored after the last.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["openmp_threads", "question_threads"]

_lock = threading.Lock()
_controller = None
_running = 0  # questions holding the process-wide BLAS limit
_blas = None  # its restorer


def _get_controller():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


@contextlib.contextmanager
def question_threads(n: int, *, openmp: bool = True) -> Iterator[None]:
    """Run the body with BLAS (and, with ``openmp``, torch's and FAISS's OpenMP) limited to ``n``
    threads; 0 leaves them alone."""
    if n <= 0:
        yield
        return
    global _running, _blas
    controller = _get_controller()
    with _lock:
        if _running == 0:
            _blas = controller.limit(limits=n, user_api="blas")
        _running += 1
    try:
        with openmp_threads(n) if openmp else contextlib.nullcontext():
            yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _blas is not None:
                _blas.restore_original_limits()
                _blas = None


@contextlib.contextmanager
def openmp_threads(n: int) -> Iterator[None]:
    """Run the body with the calling thread's OpenMP (torch, FAISS) limited to ``n`` threads (0: as is)."""
    if n <= 0:
        yield
        return
    with _get_controller().limit(limits=n, user_api="openmp"):
        yield
