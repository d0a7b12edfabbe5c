"""Starting Numba in a short process (``samen allocate``, ``samen verify``) without SciPy.

The first compiled call of a process, even one that only loads cached kernels, makes Numba
import all its implementations; one of them asks whether SciPy's BLAS is there (for
``np.correlate`` and ``np.convolve`` on floats), which imports ``scipy.linalg`` when SciPy is
installed (the analytics extra): about 0.16 s of CPU, a tenth of a whole ``samen allocate``
at 80,000 children. No kernel of samen uses those two functions or BLAS, so a command that
only allocates lets Numba load its implementations with that import refused; Numba then uses
its own loop for those two functions, and SciPy stays importable for everything else.
"""

from __future__ import annotations

import sys

#: Numba imports ``scipy.linalg.cython_blas`` to find BLAS (``numba.np.linalg.ensure_blas``);
#: importing it imports these first, so refusing the first not yet imported refuses it
_PARENTS = ("scipy", "scipy.linalg")


def start_numba_without_scipy() -> None:
    """Load Numba's implementations now, with SciPy's BLAS module refused for the while.

    Does nothing when they are loaded already (a compiled call ran before) or
    ``scipy.linalg`` is imported already."""
    from numba.core.registry import cpu_target  # (importing Numba may import scipy itself)

    refused = next((m for m in _PARENTS if m not in sys.modules), None)
    if refused is None or "numba.np.arraymath" in sys.modules:
        return
    sys.modules[refused] = None  # type: ignore[assignment]  # its import raises ImportError
    try:
        cpu_target.target_context.refresh()
    finally:
        if refused in sys.modules and sys.modules[refused] is None:
            del sys.modules[refused]
