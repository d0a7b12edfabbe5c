"""Writing files so that no reader ever sees half of one.

:func:`write_folder` writes a whole folder at once (a new folder beside it, then renamed into
place); :func:`write_files` writes files into an existing folder, each through a temporary
file beside it that is renamed over the old one once all of them are complete."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path


def write_folder(files: Mapping[str, bytes], out: Path) -> Path:
    """Write ``files`` (relative path -> bytes; ``round/results/x.csv`` makes its folders) as
    the folder ``out``, all or nothing.

    The files go into a new folder next to ``out``, which is then renamed into place; an
    existing folder is moved aside first and removed only once the new one is in place (and
    put back if that fails). Callers check beforehand that ``out`` may be replaced."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{secrets.token_hex(6)}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
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


def write_files(files: dict[str, bytes], folder: Path) -> list[Path]:
    """Write ``files`` (name -> bytes) into ``folder`` (made if needed), leaving its other
    files alone. Each goes to a hidden temporary file in ``folder``, flushed to disk; only
    when all are written are they renamed over their names, so a failure leaves the old
    files as they were."""
    folder.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    try:
        for name, data in files.items():
            tmp = folder / f".{name}.tmp-{secrets.token_hex(6)}"
            temps[name] = tmp
            with open(tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for name, tmp in temps.items():
            os.replace(tmp, folder / name)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return [folder / name for name in files]
