"""wxnb init: a new account's parameter layer, month folder and hand-made input templates."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from wxnb import cli, paths
from wxnb.build import scaffold
from wxnb.exceptions import ParameterError
from wxnb.io import (
    ads,
    channels,
    companions,
    competitors,
    csvin,
    fission,
    handmade,
    miniprogram,
    portrait,
    risk,
    tech,
    touch,
    wecom,
)
from wxnb.params import ReportParams, load_params


def test_last_month_is_beijing_time() -> None:
    # 2026-12-01 01:00 in Beijing is still November in UTC: the month to review is November.
    assert scaffold.last_month(datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)) == "2026-11"
    assert scaffold.last_month(datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)) == "2026-10"
    assert scaffold.last_month(datetime(2027, 1, 5, 12, 0, tzinfo=timezone.utc)) == "2026-12"


def test_the_layer_loads_and_sets_nothing_but_the_name(tmp_path: Path) -> None:
    params = tmp_path / "parameters"
    (params / "accounts").mkdir(parents=True)
    (params / "defaults.yaml").write_bytes((paths.PARAMETERS / "defaults.yaml").read_bytes())
    name = 'ACME "旗舰店" #1: a\\b'  # quotes, a hash, a colon and a backslash stay literal
    done = scaffold.init_account("acme", "2026-11", parameters=params, data=tmp_path / "data",
                                 name=name)
    assert done[0] == scaffold.Written(params / "accounts" / "acme.yaml", "created")
    p = load_params(account="acme", month="2026-11", root=params)
    base = load_params(account="acme", month="2026-11", root=params,
                       overrides={"account_name": ""})
    assert p.account_name == name
    assert p.model_dump() == base.model_dump() | {"account_name": name}
    text = (params / "accounts" / "acme.yaml").read_text(encoding="utf-8")
    for key in ReportParams.model_fields:  # every target and benchmark is there to fill in
        if key.startswith(("target_", "benchmark_")):
            assert f"\n{key}: " in text, key
    assert "送达人数" in text  # what the open rate means, next to it


def test_templates_match_the_loaders_and_nothing_is_overwritten(tmp_path: Path) -> None:
    params, data = tmp_path / "parameters", tmp_path / "data"
    done = scaffold.init_account("acme", "2026-11", parameters=params, data=data)
    assert {w.status for w in done} == {"created"}
    assert (data / "acme" / "2026-11").is_dir()
    comment = params / "months" / "acme" / "2026-11.commentary.yaml"
    assert comment.is_file() and "01_kpi" in comment.read_text(encoding="utf-8")
    from wxnb.io.commentary import load_commentary

    assert load_commentary(comment, ["01_kpi"]) == {}  # only comments until the analyst writes
    assert not any((data / "acme" / "2026-11").iterdir())  # templates never go into a month
    templates = data / "acme" / "templates"
    names = {f.name for f in handmade.HANDMADE}
    assert names == {companions.CONTENT_PLAN_FILE, companions.ORDERS_FILE, competitors.ARTICLES_FILE,
                     competitors.SCORES_FILE, tech.PERF_FILE, tech.AUTOREPLY_FILE,
                     risk.INCIDENTS_FILE, risk.TEXTS_FILE,
                     fission.CAMPAIGNS_FILE, fission.PARTICIPANTS_FILE,  # 09
                     ads.PLACEMENTS_FILE, ads.ORDERS_FILE,  # 10
                     wecom.PILOT_FILE, wecom.ORDERS_FILE,  # 11
                     touch.COSTS_FILE, touch.AB_FILE, touch.COMMUNITY_FILE,  # 12
                     miniprogram.ORDERS_FILE,  # 13
                     channels.CARDS_FILE,  # 14
                     portrait.AUDIENCE_FILE}  # 15
    assert len(names) == len(handmade.HANDMADE)
    for f in handmade.HANDMADE:
        header, rows, problems, _ = csvin.read_table(templates / f.name)
        assert problems == [] and rows == [] and tuple(header) == f.columns
        assert (templates / f.name).read_bytes().startswith(b"\xef\xbb\xbf")  # Excel's UTF-8
        assert len(f.example) == len(f.columns), f.name
    readme = (templates / "README.md").read_text(encoding="utf-8")
    assert all(f"## {f.name}" in readme for f in handmade.HANDMADE)
    # A filled-in template and an edited layer survive a second run.
    (templates / companions.ORDERS_FILE).write_text("order_id\nA1\n", encoding="utf-8")
    (params / "accounts" / "acme.yaml").write_text("target_open_rate: 0.05\n", encoding="utf-8")
    again = scaffold.init_account("acme", "2026-11", parameters=params, data=data)
    assert {w.status for w in again} == {"kept"}
    assert (templates / companions.ORDERS_FILE).read_text(encoding="utf-8") == "order_id\nA1\n"
    assert (params / "accounts" / "acme.yaml").read_text(encoding="utf-8") == \
        "target_open_rate: 0.05\n"


def _example(name: str) -> dict[str, str]:
    """The README example row of the template ``name``, by column."""
    f = next(f for f in handmade.HANDMADE if f.name == name)
    return dict(zip(f.columns, f.example, strict=True))


def test_filled_templates_load(tmp_path: Path) -> None:
    """Each template filled with its README example row is valid input for its loader, and the
    examples of one section fit together."""
    params, data = tmp_path / "parameters", tmp_path / "data"
    scaffold.init_account("acme", "2026-11", parameters=params, data=data)
    month = data / "acme" / "2026-11"
    # Two files are about more than one row: a pilot needs a control unit, a title test two
    # arms. The second row is the example with the cells that make it the other one changed.
    second = {
        wecom.PILOT_FILE: {"unit": "S02", "group": "对照", "pilot_start": "",
                           "name": "杭州滨江店"},
        touch.AB_FILE: {"arm": "B", "title": "双十一预售，你算对了吗？", "style": "疑问式",
                        "opened": "380", "sent": "5000"},
    }
    for f in handmade.HANDMADE:
        text = (data / "acme" / "templates" / f.name).read_text(encoding="utf-8-sig")
        assert not any("," in cell or "\n" in cell for cell in f.example), f.name
        rows = [",".join(f.example)]
        if f.name in second:
            rows.append(",".join((_example(f.name) | second[f.name]).values()))
        (month / f.name).write_text(text + "".join(r + "\r\n" for r in rows), encoding="utf-8")
    assert len(companions.load_content_plan(month, "2026-11")) == 1
    assert len(companions.load_orders(month, "2026-11")) == 1
    assert tech.load(month, "2026-11").performance is not None
    assert len(competitors.load(month, "2026-11").articles) == 1
    assert len(risk.load(month, "2026-11").incidents) == 1

    # 09: the participant belongs to the example campaign (else a problem), left_at is read.
    fis = fission.load(month, "2026-11")
    assert len(fis.campaigns) == 1 and fis.participants is not None
    assert len(fis.participants) == 1 and fis.has_left_at

    # 10: the loader needs a daily report; one row for the example's adgroup.
    placement, order = _example(ads.PLACEMENTS_FILE), _example(ads.ORDERS_FILE)
    assert order["adgroup_id"] == placement["adgroup_id"]
    report = {"code": 0, "message": "", "message_cn": "", "data": {
        "list": [{"date": "2026-11-03", "adgroup_id": int(placement["adgroup_id"]),
                  "adgroup_name": "朋友圈-新品", "site_set": "SITE_SET_MOMENTS",
                  "view_count": 26012, "valid_click_count": 251, "cost": 98500}],
        "page_info": {"page": 1, "page_size": 100, "total_number": 1, "total_page": 1}}}
    (month / ads.daily_name(date(2026, 11, 1), date(2026, 11, 30), 1)).write_text(
        json.dumps(report, ensure_ascii=False), encoding="utf-8")
    ad = ads.load(month, "2026-11")
    assert ad.placements is not None and list(ad.placements["adgroup_id"]) == list(
        ad.daily["adgroup_id"])
    assert ad.orders is not None and list(ad.orders["adgroup_id"]) == list(ad.daily["adgroup_id"])

    # 11: the order's unit is the example's pilot store.
    wc = wecom.load(month, "2026-11")
    assert wc.roster is not None and wc.roster.treated == {"S01": True, "S02": False}
    assert wc.orders is not None and len(wc.orders) == 1
    assert set(wc.orders["unit"]) <= set(wc.roster.order_units)

    # 12
    tc = touch.load(month, "2026-11")
    assert tc.costs is not None and len(tc.costs) == 1
    assert tc.ab is not None and len(tc.ab) == 2
    assert tc.community is not None and len(tc.community) == 1

    # 13: orders are read without the analysis API's files (the section needs those to run).
    mp = miniprogram.load(month, "2026-11")
    assert mp.orders is not None and len(mp.orders) == 1 and mp.orders["scene"].notna().all()

    # 14: the card names a video of the month: with the videos export it is matched.
    card = _example(channels.CARDS_FILE)
    (month / channels.VIDEOS_FILE).write_text(
        "发表时间,视频标题,视频ID,播放量,点赞,分享\r\n"
        f"2026-11-03 20:00,{card['视频标题']},{card['视频ID']},1200,30,12\r\n", encoding="utf-8")
    ch = channels.load(month, "2026-11")
    assert ch.cards is not None and len(ch.cards) == 1
    assert ch.videos is not None and ch.videos["embedded"].tolist() == [True]

    # 15: the audience's content type is the content plan example's.
    pt = portrait.load(month, "2026-11")
    assert pt.audience is not None
    assert set(pt.audience["content_type"]) == {_example(companions.CONTENT_PLAN_FILE)["content_type"]}
    assert set(pt.audience["dimension"]) == set(portrait.AUDIENCE_COLUMNS[1:])


def test_bad_account_or_month_is_refused(tmp_path: Path) -> None:
    for account, month in (("../x", "2026-11"), ("acme", "2026-13")):
        with pytest.raises(ParameterError):
            scaffold.init_account(account, month, parameters=tmp_path, data=tmp_path)
    assert not any(tmp_path.iterdir())


def test_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "PARAMETERS", tmp_path / "parameters")
    res = CliRunner().invoke(cli.cli, ["init", "--account", "acme", "--month", "2026-11",
                                       "--data", str(tmp_path / "data")])
    assert res.exit_code == 0, res.output
    assert "已生成" in res.output and f"--data {tmp_path / 'data' / 'acme' / '2026-11'}" in res.output
    res = CliRunner().invoke(cli.cli, ["init", "--account", "acme", "--month", "2026-11",
                                       "--data", str(tmp_path / "data")])
    assert res.exit_code == 0 and "已生成" not in res.output and "保留" in res.output
    res = CliRunner().invoke(cli.cli, ["init", "--account", "a/b", "--month", "2026-11",
                                       "--data", str(tmp_path / "data")])
    assert res.exit_code == 2 and "账号标识" in res.output
