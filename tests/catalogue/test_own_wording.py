"""Requirement texts are the project's own words: the standard's wording is not shipped.

23 texts used to be the wording of GB/T 22239-2019 word for word (punctuation aside). Each is
listed here with the key terms it must keep and a fingerprint of the standard's sentence: the
SHA-256 (first 16 hex digits) of the sentence with punctuation and spaces removed. The
fingerprint lets the test prove the shipped text differs from the standard without the
repository holding a copy of the standard's wording.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections import defaultdict

import pytest

from dengbao.core.catalogue import default

# unit → (fingerprint of the standard's sentence, terms and numbers the requirement must keep)
REWORDED: dict[str, tuple[str, tuple[str, ...]]] = {
    "L1-ABS2-01": ("aee43477c37de78f", ("虚拟化网络边界", "访问控制机制", "访问控制规则")),
    "L2-ORS1-03": ("b332c2eb9422ef73", ("系统管理员", "审计管理员", "安全管理员", "一定数量")),
    "L2-HRS1-01": ("79626c46c9707f8b", ("指定", "授权", "专门部门或人员", "人员录用")),
    "L2-HRS1-02": ("893f213fb4093604", ("被录用人员", "身份", "安全背景", "专业资格或资质", "审查")),
    "L2-CMS1-02": ("eda9d879773ab9d2", ("定级结果", "相关部门", "安全技术专家", "论证", "审定")),
    "L2-CMS1-20": ("0290531d4c290c81", ("建设过程文档", "运行维护文档")),
    "L2-CES1-12": ("641787108a783a88", ("不需要的系统服务", "默认共享", "高危端口", "关闭")),
    "L2-CES1-15": ("e91b0220a87a5f3f", ("已知漏洞", "充分测试评估", "及时", "修补")),
    "L2-CES1-19": ("31217537cee054ee", ("重要数据", "本地", "备份", "恢复")),
    "L2-MMS1-12": (
        "b8d42eb6d5586066",
        (
            "网络和系统安全管理制度",
            "安全策略",
            "账户管理",
            "配置管理",
            "日志管理",
            "日常操作",
            "升级与打补丁",
            "口令更新周期",
        ),
    ),
    "L3-CES1-10": ("84301b2450a127cd", ("访问控制", "用户级或进程级", "文件、数据库表级")),
    "L3-ORS1-08": ("b7919f444a39e524", ("定期", "审批事项", "授权和审批的项目", "审批部门", "审批人")),
    "L3-HRS1-08": ("9f8f00447116640b", ("不同岗位", "定期", "技能考核")),
    "L3-CMS1-02": (
        "eda9d879773ab9d2",
        ("定级结果", "相关部门", "安全技术专家", "论证", "审定", "合理性", "正确性"),
    ),
    "L3-CMS1-09": ("6b0ff78b748e42f0", ("密码产品与服务", "采购和使用", "国家密码管理主管部门")),
    "L3-CMS1-27": ("7ef07f839cfb9a56", ("运行维护的技术人员", "技能培训")),
    "L3-CMS1-28": ("0290531d4c290c81", ("建设过程文档", "运行维护文档")),
    "L3-CMS1-31": ("93bcbc4468ca7123", ("测评机构的选择", "国家有关规定")),
    "L3-MMS1-17": (
        "b8d42eb6d5586066",
        (
            "网络和系统安全管理制度",
            "安全策略",
            "账户管理",
            "配置管理",
            "日志管理",
            "日常操作",
            "升级与打补丁",
            "口令更新周期",
        ),
    ),
    "L4-CES1-10": ("84301b2450a127cd", ("用户级或进程级", "文件、数据库表级", "粒度")),
    "L4-MMS1-18": (
        "b8d42eb6d5586066",
        (
            "网络和系统安全管理制度",
            "安全策略",
            "账户管理",
            "配置管理",
            "日志管理",
            "日常操作",
            "升级与打补丁",
            "口令更新周期",
        ),
    ),
    "L4-CMS2-05": ("7f4df4901b792de7", ("云服务商", "保密协议", "不得泄露云服务客户数据")),
    "L4-ABS5-03": (
        "42fcb51c7088c984",
        ("工业控制系统", "拨号访问服务", "拨号访问权限的用户数量", "用户身份鉴别", "访问控制"),
    ),
}


# Texts that differed from the standard by a character or two, reworded in the same pass;
# a requirement repeated at several levels keeps one text (the duplicate rule below allows it).
def _near(units: str, *terms: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(units.split(), terms)


REVIEWED_NEAR: dict[str, tuple[str, ...]] = {
    **_near("L3-ORS1-04", "系统管理员", "审计管理员", "安全管理员", "一定数量"),
    **_near("L2-HRS1-07 L3-HRS1-11", "外部人员", "离场", "及时", "全部访问权限"),
    **_near("L3-CMS1-08", "网络安全产品", "采购和使用", "国家", "有关规定"),
    **_near("L3-CMS1-32", "服务供应商", "国家", "有关规定"),
    **_near("L3-MMS1-45", "外包运维服务商", "国家", "有关规定"),
    **_near("L3-MMS1-06 L4-MMS1-07", "分类与标识方法", "使用、传输和存储", "规范"),
    **_near("L2-MMS1-19 L3-MMS1-29", "密码", "国家标准和行业标准"),
    **_near("L2-MMS1-20 L3-MMS1-30", "密码技术和产品", "国家密码管理主管部门", "认证核准"),
    **_near("L1-MMS1-10 L2-MMS1-22 L3-MMS1-34", "定期备份", "重要业务信息", "系统数据", "软件系统"),
    **_near("L2-MMS1-23 L3-MMS1-35", "备份方式", "备份频度", "存储介质", "保存期"),
    **_near("L1-CES2-02 L2-CES2-02 L3-CES2-03", "云服务客户", "自行设置", "不同虚拟机之间", "访问控制策略"),
    **_near("L2-ABS5-03 L3-ABS5-03", "拨号访问服务", "拨号访问权限的用户数量", "用户身份鉴别", "访问控制"),
    **_near("L1-CES1-03 L2-CES1-04", "登录的用户", "账户和权限"),
    **_near("L1-CMS2-02 L2-CMS2-02 L3-CMS2-02 L4-CMS2-02", "服务内容", "具体技术指标", "服务水平协议"),
    **_near("L1-MMS1-09 L2-MMS1-16", "授权使用", "恶意代码库升级", "定期查杀"),
    **_near("L4-CES4-09", "新鲜", "重放攻击"),
    **_near("L1-CNS5-02 L2-CNS5-02 L3-CNS5-02 L4-CNS5-02", "业务特点", "安全域", "技术隔离手段"),
    **_near("L3-ABS5-08 L4-ABS5-09", "无线通信技术", "未授权无线设备", "试图接入或干扰控制系统"),
    **_near("L3-CES2-01 L4-CES2-01", "管理终端", "云计算平台", "双向身份验证机制"),
    **_near("L3-ABS5-04 L4-ABS5-04", "安全加固的操作系统", "数字证书认证", "传输加密", "访问控制"),
    **_near("L4-MMS1-43", "联合防护和应急机制", "跨单位"),
}


@pytest.mark.parametrize("unit", sorted(REVIEWED_NEAR))
def test_a_reviewed_near_copy_keeps_its_terms(unit):
    text = default().by_id[unit].requirement
    missing = [t for t in REVIEWED_NEAR[unit] if t not in text]
    assert not missing, f"{unit} lost {missing}: {text}"


def fingerprint(text: str) -> str:
    bare = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))
    return hashlib.sha256(bare.encode()).hexdigest()[:16]


def test_the_fingerprint_ignores_punctuation_and_spaces():
    assert fingerprint("甲，乙。 丙") == fingerprint("甲乙丙") != fingerprint("甲乙丁")


@pytest.mark.parametrize("unit", sorted(REWORDED))
def test_a_reworded_text_keeps_its_terms_and_is_not_the_standards_sentence(unit):
    item = default().by_id[unit]
    standard, terms = REWORDED[unit]
    assert fingerprint(item.requirement) != standard
    missing = [t for t in terms if t not in item.requirement]
    assert not missing, f"{unit} lost {missing}: {item.requirement}"


def test_no_unit_carries_one_of_the_standards_sentences_listed_here():
    known = {fp for fp, _ in REWORDED.values()}
    assert not [i.id for i in default().items if fingerprint(i.requirement) in known]


def accidental_duplicates(items) -> list[list[str]]:
    """Groups of units sharing one requirement text that do not state the same requirement.

    Two units may carry the same text only when they state the same requirement: the same
    part and the same control point, and never two units of one level in one category. That
    allows a requirement repeated unchanged at another level (e.g. L3-CES1-35 and L4-CES1-36)
    and the standard's own twins in 安全区域边界 and 安全计算环境 (安全审计 b and c); anything
    else that matches is a copy-paste slip.
    """
    by_text = defaultdict(list)
    for item in items:
        by_text[item.requirement].append(item)
    wrong = []
    for group in by_text.values():
        if len(group) < 2:
            continue
        same_requirement = len({(i.part, i.control_point) for i in group}) == 1
        one_per_place = len({(i.level, i.category) for i in group}) == len(group)
        if not (same_requirement and one_per_place):
            wrong.append([i.id for i in group])
    return wrong


def test_no_two_units_share_a_text_by_accident():
    assert accidental_duplicates(default().items) == []


def test_the_rule_catches_a_slip_and_allows_a_repeated_requirement():
    cat = default()
    a, b = cat.by_id["L3-CES1-01"], cat.by_id["L3-CES1-05"]  # 身份鉴别 a / 访问控制 a
    slip = dataclasses.replace(b, requirement=a.requirement)
    assert accidental_duplicates([a, slip]) == [["L3-CES1-01", "L3-CES1-05"]]
    same_level_twice = dataclasses.replace(a, id="L3-CES1-99")
    assert accidental_duplicates([a, same_level_twice]) == [["L3-CES1-01", "L3-CES1-99"]]
    l4 = cat.by_id["L4-CES1-01"]
    assert accidental_duplicates([a, dataclasses.replace(l4, requirement=a.requirement)]) == []
