"""Default checklists of the quarterly security inspection (安全巡检), one per object type.

Each item says what to look at and what counts as normal. The lists are starting points:
an organisation edits its own copy per object type; an object type it never edited uses
these. The object types are those of the catalogue (``core.catalogue.vocab.OBJECT_TYPES``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dengbao.core.catalogue.vocab import OBJECT_TYPES

# The kinds of things an inspection looks at (the categories of the items).
CATEGORIES: tuple[str, ...] = (
    "系统状态",
    "补丁",
    "账户",
    "日志",
    "备份",
    "资源使用",
    "配置",
    "物理环境",
    "管理",
)


@dataclass(frozen=True)
class Item:
    category: str
    check: str  # what to look at
    expected: str = ""  # what counts as normal


def _items(*rows: tuple[str, str, str]) -> tuple[Item, ...]:
    return tuple(Item(*row) for row in rows)


_HOST = _items(
    ("系统状态", "运行时间、关键服务与进程状态", "关键服务均在运行，无异常重启"),
    ("补丁", "操作系统及组件补丁级别", "无超过 3 个月未修复的高危补丁"),
    ("账户", "账户清单、空口令、默认账户、长期未用账户", "无多余、共享或默认账户，口令策略生效"),
    ("账户", "特权账户与远程登录方式", "特权账户经审批，远程管理使用加密协议"),
    ("日志", "安全日志与审计服务", "审计开启，日志留存不少于 6 个月，无未处理的异常登录"),
    ("备份", "系统与配置备份", "最近一次备份成功且可读"),
    ("资源使用", "CPU、内存、磁盘空间使用率", "峰值低于 80%，磁盘剩余空间充足"),
    ("配置", "开放端口与服务、防恶意代码", "仅开放必需端口，防病毒软件运行且特征库为最新"),
)

_NETWORK = _items(
    ("系统状态", "设备运行时间、板卡、电源与风扇状态", "无告警，冗余部件正常"),
    ("补丁", "设备软件版本", "版本在厂商支持期内，无已公布的高危漏洞未处置"),
    ("账户", "本地账户、口令强度与登录失败处理", "无默认账户，口令复杂度与失败锁定已配置"),
    ("账户", "远程管理方式与管理地址限制", "使用 SSH/HTTPS，仅允许运维网段登录"),
    ("日志", "日志外发与时间同步", "日志发送至日志服务器，NTP 同步正常"),
    ("备份", "配置文件备份", "配置有最新备份，与运行配置一致"),
    ("资源使用", "CPU、内存、会话数与端口利用率", "峰值低于 80%"),
    ("配置", "访问控制策略与多余策略", "无 any-any 放行策略，无过期或冗余规则"),
)

_DATABASE = _items(
    ("系统状态", "实例、监听与作业状态", "实例正常运行，无失败作业"),
    ("补丁", "数据库版本与补丁", "无已公布的高危漏洞未修复"),
    ("账户", "数据库账户、默认账户与权限", "默认账户已锁定或改名，应用账户最小权限"),
    ("日志", "审计与错误日志", "审计开启，无未处理的错误与异常访问"),
    ("备份", "备份作业与恢复演练", "每日备份成功，季度内做过恢复验证"),
    ("资源使用", "表空间、连接数与慢查询", "表空间使用率低于 80%，连接数未逼近上限"),
    ("配置", "远程访问与加密传输", "仅允许应用与运维地址访问，传输加密"),
)

_MIDDLEWARE = _items(
    ("系统状态", "服务进程与应用部署状态", "服务正常，无异常重启"),
    ("补丁", "中间件版本与补丁", "无已公布的高危漏洞未修复"),
    ("账户", "管理控制台账户与访问限制", "无默认口令，控制台不对外开放"),
    ("日志", "访问日志与错误日志", "日志开启并轮转，无大量异常请求"),
    ("资源使用", "线程池、连接池与内存", "未逼近上限"),
    ("配置", "示例应用、目录浏览与版本信息泄露", "已删除示例，关闭目录浏览，不暴露版本"),
)

_APPLICATION = _items(
    ("系统状态", "业务功能可用性与响应时间", "核心功能可用，响应正常"),
    ("补丁", "应用及第三方组件版本", "无已公布的高危组件漏洞"),
    ("账户", "应用账户、离职人员账户与权限分配", "离职人员账户已停用，权限与岗位一致"),
    ("日志", "应用审计日志（登录、重要操作）", "审计记录完整，留存不少于 6 个月"),
    ("备份", "业务数据备份", "备份成功，异地或离线副本存在"),
    ("配置", "会话超时、登录失败处理与口令策略", "已启用"),
)

_SECURITY_DEVICE = _items(
    ("系统状态", "设备运行与高可用状态", "无告警，主备同步正常"),
    ("补丁", "系统版本、特征库与规则库", "特征库在有效期内并为最新"),
    ("账户", "管理账户与三权分立", "管理员、审计员分设，无默认账户"),
    ("日志", "安全事件与日志外发", "日志发送至日志服务器，高危事件已处置"),
    ("备份", "策略配置备份", "有最新备份"),
    ("资源使用", "CPU、内存、会话数与吞吐", "峰值低于 80%"),
    ("配置", "策略有效性与授权到期", "策略覆盖关键区域边界，授权未过期"),
)

_TERMINAL = _items(
    ("补丁", "操作系统补丁与软件版本", "补丁已更新"),
    ("账户", "本地管理员与屏保锁定", "无多余管理员，屏保锁定已启用"),
    ("配置", "防恶意代码、外设与非授权软件", "防病毒运行，无非授权软件"),
)

_ROOM = _items(
    ("物理环境", "门禁与出入登记", "门禁有效，来访登记完整"),
    ("物理环境", "温湿度、空调与漏水检测", "温湿度在范围内，无漏水告警"),
    ("物理环境", "UPS、供电与消防", "UPS 自检正常，消防设施在有效期内"),
    ("系统状态", "机柜设备指示灯与线缆标识", "无告警灯，标识清楚"),
)

_DATA = _items(
    ("备份", "重要数据备份与恢复验证", "备份覆盖重要数据，季度内做过恢复验证"),
    ("配置", "重要数据加密存储与传输", "鉴别信息与个人信息加密"),
    ("账户", "数据访问权限", "按需授权，无过度授权"),
)

_DOCUMENTS = _items(
    ("管理", "安全管理制度的评审与修订", "一年内评审过，版本受控"),
    ("管理", "运维、变更与应急记录", "记录完整，与实际一致"),
    ("管理", "应急预案与演练", "预案有效，年度演练已完成"),
)

_PEOPLE = _items(
    ("管理", "人员入职、离岗与权限回收", "离岗人员权限已及时回收"),
    ("管理", "安全意识培训与考核", "年度培训已完成"),
    ("管理", "外部人员访问审批", "审批与陪同记录完整"),
)

_CLOUD = _items(
    ("系统状态", "云平台管理节点与服务状态", "无告警"),
    ("补丁", "云平台与虚拟化组件版本", "无已公布的高危漏洞未修复"),
    ("账户", "云管理账户、访问密钥与权限", "无长期未用的密钥，权限最小化"),
    ("日志", "云审计与操作日志", "审计开启并集中保存"),
    ("备份", "云主机快照与数据备份", "备份策略生效"),
    ("资源使用", "计算、存储与网络资源使用率", "峰值低于 80%"),
    ("配置", "安全组与网络隔离", "无对公网开放的高危端口"),
)

_IMAGE = _items(
    ("补丁", "镜像的操作系统补丁与组件版本", "基于最新补丁制作"),
    ("配置", "镜像中的默认账户、口令与多余服务", "已清理"),
    ("管理", "镜像来源与完整性校验", "来源可信，有校验值"),
)

_MOBILE_APP = _items(
    ("补丁", "应用版本与第三方 SDK", "为最新发布版本，SDK 无已知高危漏洞"),
    ("配置", "权限申请与数据传输加密", "仅申请必需权限，传输加密"),
    ("日志", "后台接口异常访问", "无异常"),
)

_WIRELESS = _items(
    ("系统状态", "接入点与控制器运行状态", "无告警"),
    ("补丁", "固件版本", "无已公布的高危漏洞未修复"),
    ("账户", "管理账户与无线认证方式", "使用 WPA2/WPA3 企业认证，无默认口令"),
    ("配置", "非授权接入点检测", "未发现非授权接入点"),
)

_IOT = _items(
    ("系统状态", "节点在线与通信状态", "在线率正常"),
    ("补丁", "固件版本", "无已公布的高危漏洞未修复"),
    ("账户", "默认口令与管理接口", "默认口令已修改，管理接口受限"),
    ("日志", "异常接入与通信记录", "无异常"),
)

_INDUSTRIAL = _items(
    ("系统状态", "控制设备与工业主机运行状态", "运行正常"),
    ("补丁", "补丁与软件版本（经兼容性测试后更新）", "有补丁评估记录"),
    ("账户", "工程师站与操作员站账户", "无共享账户，权限分离"),
    ("配置", "移动介质与外设管控", "已管控"),
    ("日志", "操作与报警日志", "完整保存"),
)

DEFAULTS: dict[str, tuple[Item, ...]] = {
    "机房": _ROOM,
    "网络设备": _NETWORK,
    "安全设备": _SECURITY_DEVICE,
    "服务器/操作系统": _HOST,
    "数据库管理系统": _DATABASE,
    "中间件": _MIDDLEWARE,
    "业务应用系统": _APPLICATION,
    "终端": _TERMINAL,
    "数据": _DATA,
    "管理文档": _DOCUMENTS,
    "人员": _PEOPLE,
    "云平台": _CLOUD,
    "虚拟化平台": _CLOUD,
    "虚拟机": _HOST,
    "镜像": _IMAGE,
    "移动终端": _TERMINAL,
    "移动应用": _MOBILE_APP,
    "无线接入设备": _WIRELESS,
    "感知节点": _IOT,
    "网关节点": _IOT,
    "控制设备": _INDUSTRIAL,
    "工业主机": _INDUSTRIAL,
}

assert set(DEFAULTS) == set(OBJECT_TYPES), "every object type of the catalogue has a default checklist"

SEPARATORS = ("|", "｜")
MAX_ITEMS = 60


def parse_lines(text: str) -> list[Item]:
    """Read an edited checklist: one item a line, ``类别 | 检查内容 | 正常标准`` (the standard optional).

    A line without a separator is an item to check in the category ``其他``. Raises ValueError
    with a message naming the line when a line is unusable.
    """
    items: list[Item] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        for sep in SEPARATORS[1:]:
            line = line.replace(sep, SEPARATORS[0])
        parts = [p.strip() for p in line.split(SEPARATORS[0])]
        if len(parts) == 1:
            parts = ["其他", parts[0]]
        if len(parts) > 3 or not parts[1]:
            raise ValueError(f"第 {number} 行应为“类别 | 检查内容 | 正常标准”")
        category, check, expected = ([*parts, ""])[:3]
        items.append(Item((category or "其他")[:20], check[:300], expected[:300]))
        if len(items) > MAX_ITEMS:
            raise ValueError(f"检查项不能超过 {MAX_ITEMS} 条")
    if not items:
        raise ValueError("至少需要一条检查项")
    return items


def format_lines(items: list[Item] | tuple[Item, ...]) -> str:
    return "\n".join(" | ".join(x for x in (i.category, i.check, i.expected) if x) for i in items)
