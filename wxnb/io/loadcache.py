"""A loaded input file kept once per month: the build's validation loads a large hand-kept or
exported file (``orders.csv``, the template callbacks) and every section that reads it later gets
the same result from the cache instead of parsing it again.

At 50M events a month's ``orders.csv`` is 140k rows and its template callbacks 280k: each was
parsed six and four times per build (validation, sections 01 and 03 or 12, both months). The
专题 loaders that parse many files or rows in Python (fission, ads, WeCom, mini program) are
kept the same way: the build's check of a month loads them, the section reads them back. A
result is kept as a pickle under ``outputs/.wxnb-cache/loads/`` (``WXNB_CACHE_DIR`` moves it,
beside the datacube datasets and the event summaries), keyed on what it was computed from: the
loader, its arguments, each file's path and SHA-256 (hashing 20 MB takes ≈ 20 ms, parsing it a
second; a file rewritten within the same clock tick at the same size still changes the key),
and the source of the package's input layer (``wxnb/io``) and the versions of pandas, pyarrow
and numpy. Only a load that succeeded is kept (a file with problems raises every time, naming
them). A cache that cannot be written (read-only disk) or read (damaged, another pandas) is
passed over: the file is loaded as usual. The input folder is never written.

:func:`derived` keeps the same way what a section computes from a month's event summary (the
month's aggregates for 02 and 04, ≈ 4 s each at 50M events on one core): a build reads the
previous month for its 环比, and the previous month's own build computed the same figures
(under the ``derived/`` folder).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from wxnb import paths
from wxnb.io.digest import file_sha256

__all__ = ["KEEP", "cache_root", "cached", "derived", "remembered"]

T = TypeVar("T")
KEEP = 64  # results kept (the most recently used; a month uses a handful)


def cache_root() -> Path:
    """Where loaded files are kept (beside the datacube datasets)."""
    return paths.cache_dir() / "loads"


@functools.cache
def _code() -> str:
    """The input layer's source and the versions whose objects are pickled."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    package = here.parent
    # the input layer, and the two modules outside it that its loaders use
    for path in [*sorted(here.rglob("*.py")), package / "exceptions.py", package / "paths.py"]:
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    for dist in ("pandas", "pyarrow", "numpy"):
        h.update(f"{dist}={metadata.version(dist)}".encode())
    return h.hexdigest()


def _key(name: str, args: tuple[Any, ...], files: Iterable[Path]) -> str | None:
    parts = [name, repr(args), _code()]
    for path in sorted(files):  # a file that is absent is part of the key too
        try:
            digest = file_sha256(path)
        except FileNotFoundError:
            digest = "absent"
        except OSError:
            return None
        parts.append(f"{path.resolve()}\0{digest}")
    return hashlib.sha256("\0\0".join(parts).encode()).hexdigest()[:32]


def cached(name: str, args: tuple[Any, ...], files: Iterable[Path],
           load: Callable[[], T]) -> T:
    """``load()``, or its result kept from an earlier call with the same ``name``, ``args``
    and unchanged ``files`` (see the module)."""
    key = _key(name, args, list(files))
    if key is None:
        return load()
    return remembered(cache_root(), key, load)


def derived(name: str, parts: Iterable[object], code: Iterable[Path],
            compute: Callable[[], T]) -> T:
    """``compute()``, or its result kept from an earlier call with the same ``name``, ``parts``
    (each part's ``repr``: an event summary's ``source_key``, the parameters it depends on) and
    ``code`` (the files of the module that computes it; the input layer and the versions of
    pandas, pyarrow, numpy and DuckDB count too). A part that is None (a summary kept in memory,
    with no key) computes without the cache."""
    parts = list(parts)
    if any(p is None for p in parts):
        return compute()
    h = hashlib.sha256(name.encode())
    for part in parts:
        h.update(b"\0" + repr(part).encode())
    h.update(_code().encode())
    h.update(metadata.version("duckdb").encode())
    try:
        for path in code:
            h.update(b"\0" + Path(path).read_bytes())
    except OSError:
        return compute()
    return remembered(paths.cache_dir() / "derived", h.hexdigest()[:32], compute)


def remembered(root: Path, key: str, compute: Callable[[], T], keep: int | None = None) -> T:
    """``compute()``, or the result an earlier call kept under ``root`` for ``key`` (a name
    made of everything the result depends on). The result is pickled there if ``compute``
    returns (an exception is not kept); the ``keep`` (:data:`KEEP`) most recently used results
    are kept. A cache that cannot be read (damaged, another library version) or written
    (read-only) only costs the computation."""
    path = root / f"{key}.pkl"
    try:
        with path.open("rb") as fh:
            kept = pickle.load(fh)  # noqa: S301 - our own cache, written below
    except Exception:  # noqa: BLE001 - none, damaged or foreign: only a cache miss
        pass
    else:
        try:
            os.utime(path)  # recently used: kept by the pruning
        except OSError:
            pass  # a read-only cache still serves what it holds
        return kept
    out = compute()
    _store(path, out, KEEP if keep is None else keep)
    return out


def _store(path: Path, value: Any, keep: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return
    _prune(path.parent, keep)


def _prune(root: Path, keep: int) -> None:
    try:
        kept = sorted(root.glob("*.pkl"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
