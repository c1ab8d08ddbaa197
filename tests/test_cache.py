"""wxnb.build.cache: a section's key changes exactly when its inputs, code, parameters,
package versions or (phase 2) upstream sections change."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from wxnb.build import cache
from wxnb.sections.spec import Spec

PARAMS = {"account": "a", "month": "2026-10", "target_open_rate": 0.03, "output_dir": "/x",
          "event_workers": 2, "event_memory_limit": "1GB"}


def spec(key: str, **kw) -> Spec:
    return Spec(key=key, title=f"{key[:2]} 标题", intro="", cells=(("params", ""),), **kw)


def notebook(folder: Path, key: str, code: str = "from wxnb.kit import fmt") -> Path:
    nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = folder / f"{key}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture
def build(tmp_path: Path):
    month, prev, nbs = tmp_path / "2026-10", tmp_path / "2026-09", tmp_path / "nb"
    for d in (month, prev, nbs):
        d.mkdir()
    (month / "getusersummary.json").write_text('{"list": []}', encoding="utf-8")
    (month / "incidents.csv").write_text("date,type\n", encoding="utf-8")
    (prev / "getusersummary.json").write_text('{"list": [1]}', encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    specs = {"00_summary": spec("00_summary", phase=2, reads=()),
             "01_kpi": spec("01_kpi"),
             "07_risk": spec("07_risk", own=("incidents.csv",)),
             "08_strategy": spec("08_strategy", phase=2, param_files=("rules_file",)),
             "99_appendix": spec("99_appendix", reads_others=True)}
    sections = [SimpleNamespace(key=k, path=notebook(nbs, k), phase=s.phase)
                for k, s in specs.items()]

    commentary = tmp_path / "2026-10.commentary.yaml"

    def keys(params: dict | None = None, memo: Path | None = None) -> cache.Keys:
        return cache.keys(sections, specs, params or PARAMS, data_dir=month, prev_dir=prev,
                          param_paths={"rules_file": rules, "commentary_file": commentary},
                          digests=cache.Digests(memo))

    return SimpleNamespace(keys=keys, month=month, prev=prev, rules=rules, nbs=nbs,
                           sections=sections, commentary=commentary)


def changed(a: cache.Keys, b: cache.Keys) -> list[str]:
    return sorted(k for k in a.sections if a.sections[k] != b.sections[k])


def test_keys_are_stable(build) -> None:
    a, b = build.keys(), build.keys()
    assert a.sections == b.sections and a.report == b.report and a.validation == b.validation
    assert len(set(a.sections.values())) == 5


def test_a_shared_input_changes_every_section_that_reads_it(build) -> None:
    before = build.keys()
    (build.prev / "getusersummary.json").write_text('{"list": [2]}', encoding="utf-8")
    after = build.keys()
    # 00 reads no file itself but the findings of 01 and 07, whose keys changed
    assert changed(before, after) == ["00_summary", "01_kpi", "07_risk", "08_strategy",
                                      "99_appendix"]
    assert before.report != after.report and before.validation != after.validation


def test_a_sections_own_file_reruns_it_and_those_reading_every_file(build) -> None:
    before = build.keys()
    (build.month / "incidents.csv").write_text("date,type\n2026-10-01,投诉\n", encoding="utf-8")
    assert changed(before, build.keys()) == ["00_summary", "07_risk", "08_strategy",
                                             "99_appendix"]


def test_a_file_two_sections_own_reruns_both_and_no_other(build) -> None:
    from types import SimpleNamespace

    specs = {"01_kpi": spec("01_kpi"),
             "13_mp": spec("13_mp", own=("wxa_*",)),
             "15_portrait": spec("15_portrait", own=("用户属性*", "wxa_*userportrait_*"))}
    sections = [SimpleNamespace(key=k, path=notebook(build.nbs, k), phase=1) for k in specs]
    shared = build.month / "wxa_getweanalysisappiduserportrait_20261002_20261031.json"
    shared.write_text("{}", encoding="utf-8")

    def keys() -> cache.Keys:
        return cache.keys(sections, specs, PARAMS, data_dir=build.month, prev_dir=build.prev,
                          param_paths={"rules_file": build.rules,
                                       "commentary_file": build.commentary},
                          digests=cache.Digests(None))

    before = keys()
    shared.write_text('{"x": 1}', encoding="utf-8")
    assert changed(before, keys()) == ["13_mp", "15_portrait"]
    before = keys()
    (build.month / "wxa_getweanalysisappidvisitpage_20261001_20261001.json").write_text(
        "{}", encoding="utf-8")
    assert changed(before, keys()) == ["13_mp"]  # 13's alone


def test_machine_parameters_change_nothing_others_everything(build) -> None:
    before = build.keys()
    same = build.keys(PARAMS | {"output_dir": "/elsewhere", "event_workers": 1,
                                "event_memory_limit": "4GB"})
    assert changed(before, same) == [] and before.report == same.report
    other = build.keys(PARAMS | {"target_open_rate": 0.05})
    assert changed(before, other) == sorted(before.sections)


def test_a_parameter_file_keys_only_the_section_that_reads_it(build) -> None:
    before = build.keys()
    build.rules.write_text("rules: [{id: x}]\n", encoding="utf-8")
    assert changed(before, build.keys()) == ["08_strategy"]


def test_the_analysts_commentary_re_renders_the_report_and_reruns_no_section(build) -> None:
    before = build.keys()
    build.commentary.write_text("01_kpi: 国庆假期推送减少\n", encoding="utf-8")
    after = build.keys()
    assert changed(before, after) == [] and before.report != after.report
    assert before.validation != after.validation  # the new file is checked before the report


def test_an_edited_notebook_reruns_that_section_and_its_readers(build) -> None:
    before = build.keys()
    notebook(build.nbs, "07_risk", "from wxnb.kit import fmt\nfmt.narrative(['分析师的话'])")
    assert changed(before, build.keys()) == ["00_summary", "07_risk", "08_strategy"]


def test_the_code_a_notebook_imports_is_followed_through_the_package() -> None:
    files = {p.relative_to(cache.PACKAGE).as_posix()
             for p in cache.code_files(["from wxnb.kit import fmt"])}
    assert "kit/fmt.py" in files and "kit/__init__.py" in files and "__init__.py" in files
    assert "kit/charts.py" not in files
    report = {p.relative_to(cache.PACKAGE).as_posix()
              for p in cache.code_files(["import wxnb.build.report"])}
    assert "build/report.py" in report
    assert any(f.startswith("build/templates/") for f in report)  # the template is code too
    section = {p.relative_to(cache.PACKAGE).as_posix()
               for p in cache.code_files([], ["wxnb.sections.s07_risk"])}
    assert any(f.startswith("sections/s07_risk/") and f.endswith(".yaml") for f in section)
    assert "sections/spec.py" in section and "kit/findings.py" in section
    assert not any(f.startswith("sections/s06_tech/") for f in section)


def test_imports_are_found_in_every_kind_of_block() -> None:
    source = """
import os
def f():
    from wxnb.kit import fmt
class C:
    def m(self):
        if x:
            pass
        elif y:
            import wxnb.kit.charts
        else:
            for _ in ():
                pass
            else:
                while True:
                    with open(p):
                        try:
                            pass
                        except ImportError:
                            from wxnb.io import datacube
                        else:
                            from wxnb.kit import findings
                        finally:
                            from wxnb.kit import stats
async def g():
    async with a:
        async for _ in b:
            match v:
                case 1:
                    from wxnb.io import touch
try:
    pass
except* ValueError:
    import wxnb.params
lambda: __import__("wxnb.io.ads")  # a call, not an import statement
text = "import wxnb.io.wecom"
"""
    assert {m for m in cache._imports(source) if m.count(".") == 2} == {
        "wxnb.kit.fmt", "wxnb.kit.charts", "wxnb.io.datacube", "wxnb.kit.findings",
        "wxnb.kit.stats", "wxnb.io.touch"}
    assert "wxnb.params" in cache._imports(source)
    assert cache._imports("import os\nx = 1\n") == set()
    # each statement is parsed alone: an import still counts in a cell that does not parse
    assert "wxnb.kit.fmt" in cache._imports("def broken(:\n  import wxnb.kit.fmt")


def test_imports_in_strings_and_comments_do_not_count_and_odd_ones_do() -> None:
    source = (
        'x = "from wxnb.kit import charts"  # from wxnb.kit import brief\n'
        'y = f"""{z}\nimport wxnb.io.touch\n"""  # a comment (with a bracket\n'
        "w = r'\\'' + '''\nfrom wxnb import samples\n'''\n"
        "from wxnb.kit import (  # the formats\n"
        "    fmt,  # one\n"
        "    stats)\n"
        "import os, wxnb.io.ads as ads; from wxnb.io import \\\n"
        "    wecom\n"
        "if z: import wxnb.io.fission\n")
    found = {m for m in cache._imports(source) if m.count(".") == 2}
    assert found == {"wxnb.kit.fmt", "wxnb.kit.stats", "wxnb.io.ads", "wxnb.io.wecom",
                     "wxnb.io.fission"}
    assert "wxnb.samples" not in cache._imports(source)  # in a raw string's neighbour


def _imports_by_ast(source: str) -> set[str]:
    """The reference: the whole source parsed, every node walked."""
    import ast

    return cache._modules_imported(ast.walk(ast.parse(source)))


def test_the_imports_of_every_module_and_cell_are_those_the_parser_sees() -> None:
    """Found statement by statement, the imports of every module of the package and of every
    section's notebook cells are exactly those of the whole source parsed."""
    from wxnb.sections import registry

    sources = {str(p): p.read_text(encoding="utf-8") for p in cache.PACKAGE.rglob("*.py")}
    for spec in registry():
        for i, (kind, text) in enumerate(spec.cells):
            if kind not in ("md", "fold", "params") and text:
                sources[f"{spec.key} cell {i}"] = text
    assert len(sources) > 150
    for name, source in sources.items():
        assert cache._imports(source) == _imports_by_ast(source), name


def test_the_imports_of_a_module_are_remembered_by_its_digest(tmp_path, monkeypatch) -> None:
    memo = tmp_path / "digests.json"
    module = cache.PACKAGE / "build" / "report.py"
    calls: list[str] = []
    real = cache._imports
    monkeypatch.setattr(cache, "_imports", lambda src: calls.append(src) or real(src))
    d = cache.Digests(memo)
    first = d.imports_of(module)
    d.save()
    assert len(calls) == 1 and "wxnb.build.webfont" in first
    assert cache.Digests(memo).imports_of(module) == first
    assert len(calls) == 1  # answered by the memo: the module is not parsed again


def test_versions_name_every_package_that_computes() -> None:
    v = cache.versions()
    assert v["python"] and v["pandas"] and v["duckdb"]
    # read from the .dist-info folder names: the versions importlib.metadata reports
    from importlib import metadata

    for dist in cache.VERSIONED:
        try:
            expected = metadata.version(dist)
        except metadata.PackageNotFoundError:
            expected = ""
        assert v[dist] == expected, dist


def test_input_patterns_match_like_fnmatch() -> None:
    from fnmatch import fnmatch

    names = ["events.csv", "events_2026-10.parquet", "orders.csv", "getusersummary_1.json",
             "content_plan.csv", "notes.txt", "Events.CSV"]
    for patterns in [("events*.csv", "events*.parquet"), ("*",), ("orders.csv",), (),
                     ("get*.json", "[cn]o*.csv"), ("?otes.txt",)]:
        for name in names:
            expected = any(fnmatch(name, p) for p in patterns)
            assert (cache._pattern(patterns).match(name) is not None) == expected, (name, patterns)


def test_a_package_upgrade_changes_every_key(build, monkeypatch) -> None:
    before = build.keys()
    real = cache.versions()
    monkeypatch.setattr(cache, "versions", lambda: real | {"pandas": "99.0"})
    after = build.keys()
    assert changed(before, after) == sorted(before.sections)


def test_digests_are_remembered_by_size_mtime_and_inode(tmp_path: Path) -> None:
    memo = tmp_path / "memo.json"
    f = tmp_path / "big.bin"
    f.write_bytes(b"a" * 100)
    t = time.time_ns() - 60_000_000_000  # settled: a file just written is never remembered
    os.utime(f, ns=(t, t))
    d = cache.Digests(memo)
    first = d.of(f)
    d.save()
    st = f.stat()
    f.write_bytes(b"b" * 100)  # same size; the mtime is put back: the memo answers
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.Digests(memo).of(f) == first
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched: read again
    assert cache.Digests(memo).of(f) != first
    memo.write_text("{not json", encoding="utf-8")  # a damaged memo only costs a re-hash
    assert cache.Digests(memo).of(f) != first


def test_last_build_is_empty_when_it_cannot_be_trusted(tmp_path: Path) -> None:
    assert cache.last_build(tmp_path) == {}
    (tmp_path / "run.json").write_text("{", encoding="utf-8")
    assert cache.last_build(tmp_path) == {}
    (tmp_path / "run.json").write_text(json.dumps({"cache": {"format": -1}}), encoding="utf-8")
    assert cache.last_build(tmp_path) == {}
    good = {"cache": {"format": cache.KEY_FORMAT, "sections": {}}}
    (tmp_path / "run.json").write_text(json.dumps(good), encoding="utf-8")
    assert cache.last_build(tmp_path) == good
