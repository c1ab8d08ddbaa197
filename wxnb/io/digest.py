"""The SHA-256 of a file's bytes, read in 1 MiB chunks (input checksums, cache keys).

A build asks for the same file's digest several times (its incremental keys, the event
summary's and the dataset's manifests, the load cache's keys): a process remembers each digest by
the file's path, size, mtime, inode and device, and hashes the bytes again when any of them
changed. A file modified in the last two seconds is never remembered (its mtime may not yet
tell two writes apart: the clock that stamps files ticks in milliseconds, "racy git").
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

__all__ = ["file_sha256"]

RACY_NS = 2_000_000_000  # a file younger than this is hashed every time
_KNOWN: dict[tuple[str, int, int, int, int], str] = {}


def _stamp(st: os.stat_result, path: Path) -> tuple[str, int, int, int, int]:
    return (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, without reading it into memory whole."""
    path = Path(path)
    with path.open("rb") as fh:
        st = os.fstat(fh.fileno())
        stamp = _stamp(st, path)
        known = _KNOWN.get(stamp)
        if known is not None:
            return known
        h = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    if time.time_ns() - st.st_mtime_ns > RACY_NS and _stamp(path.stat(), path) == stamp:
        _KNOWN[stamp] = digest  # unchanged while it was read, and old enough to trust
    return digest
