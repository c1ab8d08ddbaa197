"""wxnb.io.digest.file_sha256: a file's SHA-256, hashed once per process while the file is
unchanged, and never a stale digest for a file just written."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from wxnb.build import cache
from wxnb.io import digest


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a file's bytes were hashed."""
    calls: list[int] = []
    real = hashlib.sha256

    def counting(*args: object) -> object:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(digest.hashlib, "sha256", counting)
    monkeypatch.setattr(digest, "_KNOWN", {})
    monkeypatch.setattr(digest, "_MACHINE", {})
    return calls


def old(path: Path, seconds: int = 60) -> None:
    t = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(t, t))


def test_the_digest_of_the_bytes(tmp_path: Path, reads: list[int]) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"x" * (3 << 20) + b"tail")  # more than one chunk
    assert digest.file_sha256(p) == hashlib.new("sha256", p.read_bytes()).hexdigest()


def test_an_unchanged_file_is_hashed_once(tmp_path: Path, reads: list[int]) -> None:
    p = tmp_path / "events.parquet"
    p.write_bytes(b"one")
    old(p)
    first = digest.file_sha256(p)
    assert digest.file_sha256(p) == digest.file_sha256(str(p)) == first
    assert len(reads) == 1
    p.write_bytes(b"two")  # a new mtime (and the same size): hashed again
    assert digest.file_sha256(p) == hashlib.new("sha256", b"two").hexdigest()
    old(p, 30)
    digest.file_sha256(p)
    digest.file_sha256(p)
    assert len(reads) == 3
    q = tmp_path / "copy.parquet"
    q.write_bytes(b"two")
    old(q, 30)
    assert digest.file_sha256(q) == digest.file_sha256(p)  # another file: its own digest
    assert len(reads) == 4


def test_a_file_just_written_is_hashed_every_time(tmp_path: Path, reads: list[int]) -> None:
    """Two writes of the same size within one tick of the file clock can leave the same mtime:
    a digest of a fresh file is never remembered, so the second write is seen."""
    p = tmp_path / "orders.csv"
    p.write_bytes(b"a,b\n1,2\n")
    first = digest.file_sha256(p)
    st = p.stat()
    p.write_bytes(b"a,b\n3,4\n")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same stamp as before
    assert digest.file_sha256(p) != first
    assert digest._KNOWN == {}


def test_a_process_takes_the_digests_a_build_saved(tmp_path: Path, reads: list[int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A section's worker finds the digest the build's keys found (the machine's memo), as long
    as the file's size, mtime and inode are the recorded ones; a memo saved after the worker
    first looked is read again."""
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    big = tmp_path / "events.parquet"
    big.write_bytes(b"e" * 1000)
    old(big)
    assert digest.file_sha256(big) == hashlib.new("sha256", b"e" * 1000).hexdigest()
    assert len(reads) == 1  # no memo yet: hashed
    build = cache.Digests(tmp_path / "cache" / digest.MEMO)
    build.known[os.path.abspath(big)] = [*_stamp(big), "from-the-build"]  # proves the source
    build.changed = True
    build.save()
    monkeypatch.setattr(digest, "_KNOWN", {})  # another process
    assert digest.file_sha256(big) == "from-the-build" and len(reads) == 1
    st = big.stat()
    big.write_bytes(b"f" * 1000)  # changed: the memo's stamp no longer matches
    os.utime(big, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert digest.file_sha256(big) == hashlib.new("sha256", b"f" * 1000).hexdigest()
    assert len(reads) == 2
    (tmp_path / "cache" / digest.MEMO).write_text("{damaged", encoding="utf-8")
    monkeypatch.setattr(digest, "_KNOWN", {})
    digest.file_sha256(big)  # a damaged memo costs a hash, nothing else
    assert len(reads) == 3


def test_the_builds_memo_never_keeps_a_file_just_written(tmp_path: Path,
                                                         reads: list[int]) -> None:
    memo = tmp_path / "memo.json"
    fresh = tmp_path / "orders.csv"
    fresh.write_bytes(b"a,b\n1,2\n")
    d = cache.Digests(memo)
    d.of(fresh)
    assert d.known == {} and not d.changed
    old(fresh)
    d.of(fresh)
    assert list(d.known) == [os.path.abspath(fresh)] and d.changed


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]
