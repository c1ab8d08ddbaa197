"""The SHA-256 of a file's bytes, read in 1 MiB chunks (input checksums, cache keys).

A build asks for the same file's digest several times (its incremental keys, the event
summary's and the dataset's manifests, the load cache's keys): a process remembers each digest by
the file's path, size, mtime, inode and device, and hashes the bytes again when any of them
changed. A file modified in the last two seconds is never remembered (its mtime may not yet
tell two writes apart: the clock that stamps files ticks in milliseconds, "racy git").

Between processes, the digests a build found are in the machine's cache (``digests.json`` in
:func:`wxnb.paths.cache_dir`, written by ``wxnb.build.cache.Digests`` once the build has its
keys): a process that has not hashed a file yet takes its digest from there when the file's
path, size, mtime and inode are those recorded (the build's section workers, the appendix's
checksums of a 300 MB event log among them), read again only when it changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from wxnb import paths

__all__ = ["MEMO", "RACY_NS", "file_sha256", "memo_stamp", "settled"]

RACY_NS = 2_000_000_000  # a file younger than this is hashed every time
MEMO = "digests.json"  # the machine's memo of digests, in paths.cache_dir()
_KNOWN: dict[tuple[str, int, int, int, int], str] = {}
_MACHINE: dict[str, dict[str, Any]] = {}  # a memo's path → its stamp and files, as last read


def settled(st: os.stat_result) -> bool:
    """True when the file was last modified long enough ago for its stamp to be trusted."""
    return time.time_ns() - st.st_mtime_ns > RACY_NS


def memo_stamp(st: os.stat_result) -> list[int]:
    """What the machine's memo records of a file beside its digest: size, mtime, inode."""
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _recorded(name: str, st: os.stat_result) -> str | None:
    """The digest the machine's memo holds for ``name`` at this size, mtime and inode (the memo
    read again only when it changed since this process last read it)."""
    memo = paths.cache_dir() / MEMO
    try:
        mst = memo.stat()
    except OSError:
        return None
    seen = _MACHINE.get(str(memo))
    if seen is None or seen["stamp"] != (mst.st_mtime_ns, mst.st_size, mst.st_ino):
        try:
            files = dict(json.loads(memo.read_text(encoding="utf-8"))["files"])
        except (OSError, ValueError, KeyError, TypeError):
            files = {}  # damaged, or replaced meanwhile: only costs a hash
        seen = _MACHINE[str(memo)] = {"stamp": (mst.st_mtime_ns, mst.st_size, mst.st_ino),
                                      "files": files}
    hit = seen["files"].get(name)
    if isinstance(hit, list) and len(hit) == 4 \
            and hit[:3] == memo_stamp(st):
        return str(hit[3])
    return None


def _stamp(st: os.stat_result, path: Path) -> tuple[str, int, int, int, int]:
    return (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, without reading it into memory whole."""
    path = Path(path)
    with path.open("rb") as fh:
        st = os.fstat(fh.fileno())
        stamp = _stamp(st, path)
        known = _KNOWN.get(stamp)
        if known is None and settled(st):
            known = _recorded(stamp[0], st)
            if known is not None:
                _KNOWN[stamp] = known
        if known is not None:
            return known
        h = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    if settled(st) and _stamp(path.stat(), path) == stamp:
        _KNOWN[stamp] = digest  # unchanged while it was read, and old enough to trust
    return digest
