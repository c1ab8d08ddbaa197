"""The SHA-256 of a file's bytes, read in 1 MiB chunks (input checksums, cache keys)."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["file_sha256"]


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, without reading it into memory whole."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
