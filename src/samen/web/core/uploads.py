"""Uploads: streamed to temporary files with the size limit enforced while reading, and the
office's round files saved from them without holding a file in memory.

:class:`LimitedUploadHandler` is the only upload handler (``FILE_UPLOAD_HANDLERS``): every
uploaded file goes to a temporary file chunk by chunk, and the upload stops as soon as the
request is larger than ``SAMEN_UPLOAD_MAX_BYTES`` (a request that announces a larger body is
not read at all); :class:`~samen.web.core.request_guard.RequestGuardMiddleware` then answers
413 with a page that says so. :func:`save_uploads` writes the files, or the members of a zip,
into a folder, with the same limit on what a zip unpacks to.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

#: the request attribute set when an upload was stopped for its size
TOO_LARGE = "samen_upload_too_large"
#: room for the form's other fields and the multipart headers around the files
_ENVELOPE = 1024 * 1024
#: a round folder has a handful of files; a zip with more members is not one
MAX_ZIP_MEMBERS = 1000
_CHUNK = 1024 * 1024


def limit() -> int:
    """The most that the files of one request may hold, in bytes."""
    return int(settings.SAMEN_UPLOAD_MAX_BYTES)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler that counts the bytes of all files of the request and
    stops the upload once they pass :func:`limit`."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        self.received = getattr(self.request, "_samen_upload_bytes", 0)
        if content_length > limit() + _ENVELOPE:
            # the body is larger than every file together may be: do not read it at all
            setattr(self.request, TOO_LARGE, True)
            return QueryDict(), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        self.request._samen_upload_bytes = self.received
        if self.received > limit():
            setattr(self.request, TOO_LARGE, True)
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def too_large(request: Any) -> bool:
    return bool(getattr(request, TOO_LARGE, False))


def _too_large_message() -> str:
    return _("The files are too large (more than %(mb)s MB together).") % {
        "mb": limit() // (1024 * 1024)
    }


def _copy(source: Any, target: Path, budget: int) -> int:
    """Copy at most ``budget + 1`` bytes from the file object ``source`` to ``target``;
    returns how many were copied."""
    copied = 0
    with target.open("wb") as out:
        while copied <= budget:
            chunk = source.read(min(_CHUNK, budget + 1 - copied))
            if not chunk:
                break
            out.write(chunk)
            copied += len(chunk)
    return copied


def _zip_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of the round in a zip: those in the folder that holds round.toml (or at the
    top), without macOS's and hidden files; results/ and other subfolders are not part of it."""
    members = [
        m
        for m in zf.infolist()
        if not m.is_dir()
        and "__MACOSX" not in m.filename
        and not PurePosixPath(m.filename).name.startswith(".")
    ]
    tops = [
        PurePosixPath(m.filename).parent
        for m in members
        if PurePosixPath(m.filename).name.lower() == "round.toml"
    ]
    top = min(tops, key=lambda p: len(p.parts)) if tops else PurePosixPath(".")
    return [m for m in members if PurePosixPath(m.filename).parent == top]


def save_uploads(uploads: list[Any], folder: Path) -> list[str]:
    """Write the uploaded files (or the round files in uploaded zips) into ``folder``, a
    chunk at a time; returns problems with the upload itself (nothing is read past the
    limit: a zip that unpacks to more than :func:`limit` is refused by the sizes it declares
    and, should those lie, by what it actually unpacks to)."""
    problems: list[str] = []
    budget = limit()
    for up in uploads:
        name = PurePosixPath(str(up.name).replace("\\", "/")).name
        if not name or name.startswith("."):
            continue
        if not name.lower().endswith(".zip"):
            up.seek(0)
            budget -= _copy(up, folder / name, budget)
            if budget < 0:
                return [_too_large_message()]
            continue
        try:
            up.seek(0)
            zf = zipfile.ZipFile(up)
            members = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            problems.append(_("%(name)s is not a zip file.") % {"name": name})
            continue
        with zf:
            if len(members) > MAX_ZIP_MEMBERS:
                return [
                    _("%(name)s holds more than %(n)s files; a round folder has a few.")
                    % {"name": name, "n": MAX_ZIP_MEMBERS}
                ]
            wanted = _zip_members(zf)
            if sum(m.file_size for m in wanted) > budget:
                return [_too_large_message()]
            for m in wanted:
                try:
                    with zf.open(m) as fh:
                        budget -= _copy(fh, folder / PurePosixPath(m.filename).name, budget)
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
                    problems.append(
                        _("%(name)s in %(zip)s cannot be unpacked; make the zip again.")
                        % {"name": PurePosixPath(m.filename).name, "zip": name}
                    )
                    continue
                if budget < 0:
                    return [_too_large_message()]
    return problems
