"""A small dated archive (台风, 暴雨 and 党组会议 reports of July and August 2023), written from this
file's own words and days so that expected sets can be read from here, not from the answers.

Used by tests/test_many.py (the API) and tests/test_browser.py (the page).
"""
from __future__ import annotations

from pathlib import Path

TODAY = "2023-08-20"
# name: (publication day, text). 台风 stories in July and August, one August story reposted, one in
# traditional script (颱風), 暴雨 stories, one article whose meeting day is written 27日.
FILES = {
    "t1": ("2023-07-21", "今年第5号台风“杜苏芮”21日上午在菲律宾以东洋面生成。气象台将持续监测。"),
    "t2": ("2023-07-26", "台风“杜苏芮”加强为超强台风，预计28日登陆福建沿海。沿海渔船全部回港避风。"),
    "t3": ("2023-07-28", "今天上午，台风“杜苏芮”在福建晋江沿海登陆，登陆时中心附近最大风力15级。"),
    "t4": ("2023-08-02", "受台风“杜苏芮”残余环流影响，华北地区出现极端强降雨，目前已造成20人死亡。"),
    "t5": ("2023-08-04", "据最新通报，台风“杜苏芮”残余环流引发的强降雨已造成33人死亡，搜救仍在进行。"),
    "t6": ("2023-08-09", "颱風“卡努”逐漸遠離，氣象台解除颱風藍色預警。各地有序恢復生產生活秩序。"),
    "r1": ("2023-08-03", "暴雨过后，北京门头沟区全力抢修道路，首批救援物资已经运抵受灾村庄，群众生活得到保障。"),
    "r2": ("2023-07-31", "北京今天遭遇特大暴雨，多条道路积水严重，地铁部分线路停运，市民出行受到影响。"),
    "r3": ("2023-07-15", "南方持续暴雨，江西多地河流水位上涨，防汛部门启动四级应急响应。"),
    "m1": ("2023-07-30", "市检察院党组会议于27日晚召开，传达学习全会精神，研究部署下半年检察工作。"),
    "m2": ("2023-06-10", "区检察院召开党组会议，部署开展主题教育，要求全院干警提高思想认识。"),
    "x1": ("2023-08-10", "全市中小学暑期安全教育活动启动，各校组织学生学习防溺水知识。"),
}
REPOST = ("t5b", "t5")  # the same story again under another site


def write(folder: Path) -> Path:
    """The archive's files under ``folder`` (one .txt a report, the repost included)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (day, text) in FILES.items():
        (folder / f"{name}.txt").write_text(f"发布时间：{day}\n来源：测试网\n{text}\n", encoding="utf-8")
    day, text = FILES[REPOST[1]]
    (folder / f"{REPOST[0]}.txt").write_text(f"发布时间：{day}\n来源：转载网\n{text}\n", encoding="utf-8")
    return folder
