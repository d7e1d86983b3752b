"""The fixed vocabularies of GB/T 22239-2019 / GB/T 28448-2019 as the catalogue uses them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    technical: bool


# The ten categories (安全类) of 安全通用要求, in the standard's order.
CATEGORIES: tuple[Category, ...] = (
    Category("PES", "安全物理环境", True),
    Category("CNS", "安全通信网络", True),
    Category("ABS", "安全区域边界", True),
    Category("CES", "安全计算环境", True),
    Category("SMC", "安全管理中心", True),
    Category("PSS", "安全管理制度", False),
    Category("ORS", "安全管理机构", False),
    Category("HRS", "安全管理人员", False),
    Category("CMS", "安全建设管理", False),
    Category("MMS", "安全运维管理", False),
)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}
CATEGORY_ORDER = {c.code: i for i, c in enumerate(CATEGORIES)}

# Parts: the general requirements and the four extensions; the digit is the 场景 in unit IDs.
PARTS: dict[str, tuple[int, str]] = {
    "general": (1, "安全通用要求"),
    "cloud": (2, "云计算安全扩展要求"),
    "mobile": (3, "移动互联安全扩展要求"),
    "iot": (4, "物联网安全扩展要求"),
    "ics": (5, "工业控制系统安全扩展要求"),
}
PART_BY_DIGIT = {digit: key for key, (digit, _) in PARTS.items()}

OBJECT_TYPES: tuple[str, ...] = (
    "机房",
    "网络设备",
    "安全设备",
    "服务器/操作系统",
    "数据库管理系统",
    "中间件",
    "业务应用系统",
    "终端",
    "数据",
    "管理文档",
    "人员",
    "云平台",
    "虚拟化平台",
    "虚拟机",
    "镜像",
    "移动终端",
    "移动应用",
    "无线接入设备",
    "感知节点",
    "网关节点",
    "控制设备",
    "工业主机",
)

METHODS: tuple[str, ...] = ("访谈", "核查", "测试")

# GB/T 22239-2019 附录A 表A.2: control points whose class is S (business-information
# protection) or A (service protection); all others, and every management one, are G.
S_CONTROL_POINTS = frozenset(
    {"电磁防护", "可信验证", "身份鉴别", "数据完整性", "数据保密性", "剩余信息保护", "个人信息保护"}
)
S_CONTROL_POINTS_IN = {("CES", "访问控制")}  # 访问控制 is S only in 安全计算环境
A_CONTROL_POINTS = frozenset({"电力供应", "数据备份恢复"})


def expected_attribute(category: str, control_point: str) -> str:
    if control_point in A_CONTROL_POINTS:
        return "A"
    if control_point in S_CONTROL_POINTS or (category, control_point) in S_CONTROL_POINTS_IN:
        return "S"
    return "G"
