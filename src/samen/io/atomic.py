"""Writing a folder of files all at once: into a new folder beside it, then renamed into place."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path


def write_folder(files: dict[str, bytes], out: Path) -> Path:
    """Write ``files`` (name -> bytes) as the folder ``out``, all or nothing.

    The files go into a new folder next to ``out``, which is then renamed into place; an
    existing folder is moved aside first and removed only once the new one is in place (and
    put back if that fails). Callers check beforehand that ``out`` may be replaced."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{secrets.token_hex(6)}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            with open(tmp / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if out.exists():
            old = parent / f".{out.name}.old-{secrets.token_hex(6)}"
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
