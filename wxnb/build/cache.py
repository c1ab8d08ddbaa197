"""Incremental builds: which sections of the last good build can be reused as they are.

A section's key is the SHA-256 of everything its output depends on:

* its **inputs**: the contents of the files it reads (``Spec.reads``) in the month folder and
  the previous month's, and of files named by parameters (``Spec.param_files``);
* its **code**: the notebook, the section's package and every ``wxnb`` module they import,
  followed through the import graph (read with ``ast``, nothing is imported);
* its **parameters**: every resolved parameter except those that only steer the machine
  (:data:`MACHINE_PARAMETERS`);
* the **versions** of Python and of the packages that compute, draw or execute;
* for a phase-2 section (summary, strategy), the keys of the phase-1 sections it reads.

This is the idea of ploomber's and jupyter-cache's skipping, but keyed on the data too (Quarto's
``freeze`` keys on the source only). The keys of the last good build are in its ``run.json``;
``wxnb build --force`` ignores them. File contents are hashed once and remembered by
(size, mtime, inode) in the machine's cache (``digests.json`` in :func:`wxnb.paths.cache_dir`),
the way git's index does, so an unchanged 2 GB event log is not read again; so are the imports
of each version of each module (by its digest), whatever the output folder.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import platform
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
import fnmatch
from importlib import metadata
from pathlib import Path
from typing import Any

from wxnb.io.digest import file_sha256, memo_stamp, settled

__all__ = [
    "MACHINE_PARAMETERS",
    "VERSIONED",
    "Digests",
    "Keys",
    "code_files",
    "keys",
    "last_build",
    "versions",
]

KEY_FORMAT = 1  # bump when what goes into a key changes
# Parameters that change how the build runs, never what it shows.
MACHINE_PARAMETERS = frozenset({"output_dir", "event_workers", "event_memory_limit"})
# Distributions whose version can change a number, a chart or the HTML of a section.
VERSIONED = ("pandas", "numpy", "duckdb", "pyarrow", "matplotlib", "seaborn", "statsmodels",
             "scipy", "pandera", "pydantic", "pyyaml", "papermill", "nbconvert", "nbformat",
             "ipykernel", "jinja2", "beautifulsoup4")
PACKAGE = Path(__file__).resolve().parent.parent  # the wxnb folder


class Digests:
    """SHA-256 of file contents, remembered by (size, mtime_ns, inode) between builds."""

    def __init__(self, memo: Path | None = None) -> None:
        self.memo = memo
        self.known: dict[str, list[Any]] = {}  # file → [size, mtime_ns, inode, digest]
        self.imports: dict[str, list[str]] = {}  # a source file's digest → its wxnb imports
        self.closures: dict[str, frozenset[str]] = {}  # this build: a module → all it imports
        self.changed = False
        if memo is not None and memo.is_file():
            try:
                loaded = json.loads(memo.read_text(encoding="utf-8"))
                self.known = dict(loaded["files"])
                self.imports = dict(loaded["imports"])
            except (OSError, ValueError, KeyError, TypeError):
                self.known, self.imports = {}, {}  # a damaged memo only costs a re-hash

    def of(self, path: Path) -> str:
        """The SHA-256 of the file's bytes."""
        st = path.stat()
        stamp = memo_stamp(st)
        name = os.path.abspath(path)  # no realpath: the stamp's inode tells files apart
        hit = self.known.get(name)
        if hit and hit[:3] == stamp:
            return str(hit[3])
        digest = file_sha256(path)
        if settled(st):  # a file just written may change within its mtime's tick: not kept
            self.known[name] = [*stamp, digest]
            self.changed = True
        return digest

    def imports_of(self, path: Path) -> set[str]:
        """The ``wxnb`` modules the source file imports, remembered by its digest."""
        digest = self.of(path)
        if digest not in self.imports:
            self.imports[digest] = sorted(_imports(path.read_text(encoding="utf-8")))
            self.changed = True
        return set(self.imports[digest])

    def save(self) -> None:
        """Write the memo (atomically; a failure to write it is harmless)."""
        if self.memo is None or not self.changed:
            return
        try:
            self.memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.memo.with_name(f"{self.memo.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"files": self.known, "imports": self.imports}),
                           encoding="utf-8")
            tmp.replace(self.memo)
            self.changed = False  # written: a later save writes only what is learnt since
        except OSError:
            pass


def versions(dists: Iterable[str] = VERSIONED) -> dict[str, str]:
    """Python's version and those of ``dists`` (:data:`VERSIONED`), nothing imported: from the
    names of the ``.dist-info`` folders on ``sys.path`` (``pandas-3.1.0.dist-info``; the first
    on the path wins, as for ``importlib.metadata``), else from the distribution's metadata."""
    out = {"python": platform.python_version()}
    found = _installed()
    for dist in dists:
        version = found.get(_canonical(dist))
        if version is None:
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                version = ""
        out[dist] = version
    return out


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed() -> dict[str, str]:
    """Distribution name (canonical) → version, read from the ``.dist-info`` folder names
    (one listing per ``sys.path`` entry instead of a metadata search per distribution)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, sep, version = name[: -len(".dist-info")].partition("-")
                if sep and version:
                    found.setdefault(_canonical(dist), version)
    return found


# --------------------------------------------------------------------------- code


@functools.cache
def _module_file(name: str) -> Path | None:
    """The source file of the ``wxnb`` module ``name``, or None when there is none."""
    parts = name.split(".")[1:]
    if not parts:
        return PACKAGE / "__init__.py"
    for candidate in (PACKAGE.joinpath(*parts, "__init__.py"),
                      PACKAGE.joinpath(*parts[:-1], parts[-1] + ".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(source: str) -> set[str]:
    """The ``wxnb`` modules a source imports (``from wxnb.kit import fmt`` → ``wxnb.kit.fmt``
    when that is a module, else ``wxnb.kit``), with their parent packages. Imports inside
    functions, classes and every other block count too.

    Each import statement is found by its keyword, once strings and comments are blanked out,
    and parsed on its own, never the whole source (parsing the package's 166 modules took
    0.5 s of a first build; this takes 0.05 s). A source that does not parse as a whole still
    yields the statements that do.
    """
    if "wxnb" not in source:  # no import of it can be there (most notebook cells)
        return set()
    return _modules_imported(_import_statements(source))


def _modules_imported(nodes: Iterable[ast.AST]) -> set[str]:
    """The ``wxnb`` modules (and their parent packages) the import statements among ``nodes``
    name."""
    found: set[str] = set()
    for node in nodes:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            if name.split(".")[0] == "wxnb" and _module_file(name) is not None:
                parts = name.split(".")
                found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return found


_KEYWORD = re.compile(r"\b(?:from|import)\b")
# A string literal (any prefix, triple-quoted or not) or a comment, whichever starts first.
_STRING_OR_COMMENT = re.compile(
    r"(?=[rRbBuUfF\"'#])"  # a cheap first test at each position (2.5 × faster)
    r"(?:\b[rRbBuUfF]{1,2})?"
    r'(?:"""[\s\S]*?"""' r"|'''[\s\S]*?'''" r'|"(?:\\.|[^"\\\n])*"' r"|'(?:\\.|[^'\\\n])*')"
    r"|#[^\n]*")


def _code_only(source: str) -> str:
    """``source`` with every string literal replaced by ``''`` and every comment removed."""
    return _STRING_OR_COMMENT.sub(lambda m: "" if m.group().startswith("#") else "''", source)


def _import_statements(source: str) -> Iterator[ast.AST]:
    """The import statements of ``source`` that name ``wxnb``: from each ``from`` or ``import``
    keyword of its code (strings and comments left out) to the end of its logical line
    (brackets and backslashes continue it, a ``;`` ends it), each parsed alone; text that does
    not parse as an import is passed over."""
    code = _code_only(source)
    for m in _KEYWORD.finditer(code):
        text = code[m.start():_statement_end(code, m.start())]
        if "wxnb" not in text:
            continue
        try:
            body = ast.parse(text).body
        except SyntaxError:
            continue
        if len(body) == 1 and isinstance(body[0], ast.Import | ast.ImportFrom):
            yield body[0]


def _statement_end(source: str, i: int) -> int:
    depth, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "\\" and source.startswith("\n", i + 1):
            i += 1
        elif c in "\n;" and depth <= 0:
            return i
        i += 1
    return n


def _closure(root: str, digests: Digests) -> frozenset[str]:
    """``root`` and every ``wxnb`` module it imports, directly or not (remembered for the build:
    the sections share most of their imports)."""
    if root in digests.closures:
        return digests.closures[root]
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name in digests.closures:
            seen |= digests.closures[name]
            continue
        seen.add(name)
        path = _module_file(name)
        if path is not None:
            todo += digests.imports_of(path) - seen
    digests.closures[root] = frozenset(seen)
    return digests.closures[root]


def code_files(sources: Iterable[str], packages: Iterable[str] = (),
               digests: Digests | None = None) -> list[Path]:
    """Every ``wxnb`` source file that ``sources`` (Python code, e.g. a notebook's cells) and
    the modules of ``packages`` import, directly or not, and the package data beside them."""
    digests = digests or Digests()
    todo: set[str] = set()
    for src in sources:
        todo |= _imports(src)
    for pkg in packages:
        folder = PACKAGE.joinpath(*pkg.split(".")[1:])
        todo |= {".".join((pkg, p.stem)) if p.stem != "__init__" else pkg
                 for p in folder.glob("*.py")}
    seen: set[str] = set()
    for name in todo:
        seen |= _closure(name, digests)
    files = {p for p in (_module_file(n) for n in seen) if p is not None}
    for folder in {path.parent for path in files}:
        files |= _package_data(folder)
    return sorted(files)


@functools.cache
def _package_data(folder: Path) -> frozenset[Path]:
    """The data the code in ``folder`` reads beside it (lexicon, dictionary, templates)."""
    found = set(folder.glob("*.yaml"))
    if (folder / "templates").is_dir():
        found |= {d for d in (folder / "templates").rglob("*") if d.is_file()}
    return frozenset(found)


def _notebook_code(path: Path) -> tuple[str, list[str]]:
    """A notebook's bytes digest and its code cells (the code the section runs)."""
    raw = path.read_bytes()
    nb = json.loads(raw)
    cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return hashlib.sha256(raw).hexdigest(), cells


# --------------------------------------------------------------------------- keys


@dataclass
class Keys:
    """The keys of one build: one per section, one for the report, one for the validation."""

    sections: dict[str, str] = field(default_factory=dict)
    report: str = ""
    validation: str = ""
    inputs: dict[str, str] = field(default_factory=dict)  # file → digest (shown in run.json)


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _partition_files(folder: Path) -> list[Path]:
    """The month's event files when they live in its partition (data/_events/…), not in it."""
    from wxnb.io.eventfiles import event_files

    return [p for p in event_files(folder) if p.parent != folder]


def keys(sections: list[Any], specs: Mapping[str, Any], params: Mapping[str, Any], *,
         data_dir: Path, prev_dir: Path, param_paths: Mapping[str, Path],
         digests: Digests) -> Keys:
    """The keys of a build of ``sections`` (runner ``Section``s: key, path, phase).

    ``specs`` maps a key to its :class:`~wxnb.sections.spec.Spec` (a notebook without one, such
    as one an analyst added, reads every input file and is keyed on its notebook's imports).
    ``param_paths`` maps a parameter naming a file (``rules_file``) to that file.
    """
    files = {f"month/{p.name}": p for p in _folder_files(data_dir)}
    files |= {f"prev/{p.name}": p for p in _folder_files(prev_dir)}
    for tag, folder in (("month", data_dir), ("prev", prev_dir)):  # an event partition
        files |= {f"{tag}/events@{p.name}": p for p in _partition_files(folder)}
    inputs = {name: digests.of(path) for name, path in files.items()}
    named = {k: (digests.of(p) if p.is_file() else "") for k, p in param_paths.items()}
    shown = {k: v for k, v in params.items() if k not in MACHINE_PARAMETERS}
    ver = versions()
    out = Keys(inputs=inputs)
    src: dict[Path, str] = {}

    def code_digest(paths: list[Path]) -> str:
        for p in paths:
            if p not in src:
                src[p] = digests.of(p)
        return _hash({str(p.relative_to(PACKAGE)): src[p] for p in paths})

    # each input's file name as the patterns see it ("month/orders.csv" → "orders.csv")
    names = {n: os.path.normcase(n.split("/", 1)[1]) for n in inputs}

    phase1: dict[str, str] = {}
    for sec in sorted(sections, key=lambda s: (s.phase, s.key)):
        spec = specs.get(sec.key)
        reads = spec.reads if spec is not None else ("*",)
        others = () if spec is not None and spec.reads_others else tuple(
            pat for k, other in specs.items() if k != sec.key for pat in other.own)
        mine = spec.own if spec is not None else ()
        # a file two sections both own (the mini program's portrait: 13 and 15) keys both
        read, other, own = (_pattern(tuple(p)).match for p in (reads, others, mine))
        wanted = {n: d for n, d in inputs.items()
                  if read(names[n]) and (not other(names[n]) or own(names[n]))}
        nb_digest, cells = _notebook_code(sec.path)
        packages = [spec.package] if spec is not None and spec.package else []
        parts: dict[str, Any] = {
            "format": KEY_FORMAT, "section": sec.key, "inputs": wanted, "notebook": nb_digest,
            "code": code_digest(code_files(cells, packages, digests)), "parameters": shown,
            "files": {k: named[k] for k in (spec.param_files if spec is not None else ())},
            "versions": ver,
        }
        if sec.phase == 2:
            parts["upstream"] = dict(sorted(phase1.items()))
        out.sections[sec.key] = _hash(parts)
        if sec.phase == 1:
            phase1[sec.key] = out.sections[sec.key]
    report_code = code_digest(code_files(["import wxnb.build.report"], (), digests))
    # The report also shows the files named by parameters (the analyst's commentary): a new
    # comment re-renders the report and re-runs no section.
    out.report = _hash({"format": KEY_FORMAT, "sections": out.sections, "code": report_code,
                        "versions": ver, "parameters": shown, "files": named})
    check_code = code_digest(code_files(["import wxnb.cli"], ["wxnb.io", "wxnb.build"], digests))
    out.validation = _hash({"format": KEY_FORMAT, "inputs": inputs, "code": check_code,
                            "versions": ver, "parameters": shown, "files": named})
    return out


@functools.cache
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for "matches any of these glob patterns" (``fnmatch``'s rules:
    case-folded as the platform folds file names)."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(os.path.normcase(p))})"
                               for p in patterns))


def last_build(out_dir: Path) -> dict[str, Any]:
    """The cache record of the last good build in ``out_dir`` (empty when there is none or
    it cannot be read: then everything runs)."""
    try:
        manifest = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    cache = manifest.get("cache") if isinstance(manifest, dict) else None
    if not isinstance(cache, dict) or cache.get("format") != KEY_FORMAT:
        return {}
    return manifest
