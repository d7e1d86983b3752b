"""The hardening manual (加固手册) the service contract promises, as plain data.

A short manual for four kinds of object — Linux servers, Windows servers, databases and
network devices — each a list of measures with ordered steps. A hardening action records
which measure it applies and copies the steps, so later edits of the manual never change
what was done. Every measure starts with a backup and ends with a check, because a
hardening change on a production system must be reversible and verified.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    key: str  # "linux.password-policy": stored on the action
    title: str
    steps: tuple[str, ...]
    verify: str  # how to check that it worked


@dataclass(frozen=True)
class Guide:
    key: str
    title: str
    object_types: tuple[str, ...]  # the catalogue's object types it applies to
    measures: tuple[Measure, ...]


def _m(guide: str, key: str, title: str, verify: str, *steps: str) -> Measure:
    return Measure(f"{guide}.{key}", title, steps, verify)


LINUX = Guide(
    "linux",
    "Linux 服务器",
    ("服务器/操作系统", "虚拟机", "工业主机"),
    (
        _m(
            "linux",
            "password-policy",
            "口令复杂度与登录失败处理",
            "用普通账户尝试设置弱口令被拒绝；连续输错口令后账户被临时锁定",
            "备份 PAM 与 login.defs 配置文件",
            "设置口令最小长度 8 位以上，至少包含三类字符",
            "设置口令最长使用期限（如 90 天）和修改间隔",
            "配置连续登录失败 5 次锁定 10 分钟以上",
            "保留一个已登录的管理会话，另开会话验证可以正常登录",
        ),
        _m(
            "linux",
            "accounts",
            "清理多余账户与限制特权",
            "账户清单中无多余账户，root 不能直接远程登录",
            "导出账户清单，与系统管理员逐一确认用途",
            "锁定或删除无用账户和默认账户，确认无空口令账户",
            "禁止 root 通过 SSH 直接登录，管理员使用个人账户再提权",
            "限制可使用 sudo 的账户并记录授权范围",
        ),
        _m(
            "linux",
            "ssh",
            "远程管理加固",
            "从非运维网段无法连接 SSH；telnet 端口不再开放",
            "备份 sshd_config",
            "关闭 telnet 等明文管理服务",
            "只允许协议 2 和强加密算法，设置空闲超时断开",
            "通过主机防火墙只允许运维网段访问 SSH 端口",
            "重载 sshd 前先保留当前会话，重载后新开会话验证",
        ),
        _m(
            "linux",
            "audit",
            "安全审计与日志留存",
            "auditd 运行并记录登录、提权和关键文件修改；日志服务器收到本机日志",
            "启用 auditd 并设置开机启动",
            "添加对账户文件、sudo 配置、关键目录的审计规则",
            "配置 rsyslog 将日志发送到日志服务器",
            "设置本地日志轮转，确保留存 6 个月以上（本地或日志服务器）",
        ),
        _m(
            "linux",
            "services",
            "关闭多余服务与端口",
            "端口扫描结果只剩业务必需端口",
            "列出监听端口和开机启动的服务",
            "与业务负责人确认每个服务的用途",
            "停用并禁止启动不需要的服务",
            "在维护窗口内重启一次，确认业务正常",
        ),
        _m(
            "linux",
            "patches",
            "安装安全补丁",
            "补丁清单中高危补丁已安装，业务验证正常",
            "在测试环境先行安装并验证",
            "做好系统快照或备份，约定维护窗口",
            "安装高危及以上级别的安全补丁",
            "重启后检查业务和关键服务",
        ),
    ),
)

WINDOWS = Guide(
    "windows",
    "Windows 服务器",
    ("服务器/操作系统", "虚拟机", "终端", "工业主机"),
    (
        _m(
            "windows",
            "password-policy",
            "账户策略",
            "本地安全策略中口令复杂度、长度、锁定阈值均为要求值",
            "导出当前安全策略作为备份",
            "启用“密码必须符合复杂性要求”，最短长度 8 位",
            "设置密码最长使用期限 90 天",
            "设置账户锁定阈值 5 次、锁定时间 10 分钟以上",
        ),
        _m(
            "windows",
            "accounts",
            "账户清理",
            "本地用户列表中无多余账户，Guest 已停用",
            "列出本地账户与管理员组成员，逐一确认",
            "停用 Guest 及无用账户，重命名默认管理员账户",
            "从管理员组移除不需要管理权限的账户",
        ),
        _m(
            "windows",
            "audit",
            "审核策略与事件日志",
            "安全日志记录登录成功与失败、账户管理、策略更改事件；日志大小足够保存 6 个月",
            "启用登录、账户管理、策略更改、特权使用的成功与失败审核",
            "调大安全日志最大大小，设置满时按需覆盖前先转存",
            "配置日志转发到日志服务器",
        ),
        _m(
            "windows",
            "remote",
            "远程桌面加固",
            "远程桌面需要网络级身份验证，只有运维网段可以连接",
            "启用网络级身份验证（NLA）",
            "设置空闲会话超时断开",
            "用 Windows 防火墙限制远程桌面端口的来源地址",
            "关闭不需要的共享和远程注册表服务",
        ),
        _m(
            "windows",
            "patches",
            "补丁与防恶意代码",
            "更新历史中高危补丁已安装，防病毒软件运行且特征库为最新",
            "在测试环境验证补丁",
            "做好快照或备份，约定维护窗口",
            "安装高危及以上级别的安全补丁并重启",
            "确认防病毒软件运行、特征库更新",
        ),
    ),
)

DATABASE = Guide(
    "database",
    "数据库",
    ("数据库管理系统",),
    (
        _m(
            "database",
            "accounts",
            "数据库账户与权限",
            "账户清单中无默认或多余账户，应用账户没有管理权限",
            "导出数据库账户与授权清单",
            "锁定或删除示例库和默认账户，修改默认口令",
            "应用账户只授予其所需库表的必要权限",
            "管理员账户与审计账户分开",
        ),
        _m(
            "database",
            "password-policy",
            "口令策略与登录失败处理",
            "设置弱口令被拒绝；连续输错后账户锁定",
            "启用数据库的口令复杂度校验（插件或配置）",
            "设置连续登录失败锁定",
            "设置口令有效期",
        ),
        _m(
            "database",
            "audit",
            "数据库审计",
            "审计日志记录登录与重要操作，并可查询",
            "评估开启审计对性能的影响，约定维护窗口",
            "开启登录与权限变更、结构变更的审计",
            "设置审计日志存放位置、大小与留存",
            "核对审计记录可查询",
        ),
        _m(
            "database",
            "network",
            "访问控制与传输加密",
            "非授权地址无法连接数据库端口；客户端连接使用加密",
            "确认需要访问数据库的应用服务器与运维地址",
            "在数据库监听或主机防火墙上只允许这些地址",
            "启用 SSL/TLS 加密连接",
        ),
        _m(
            "database",
            "backup",
            "备份与恢复验证",
            "备份按计划成功，恢复演练成功",
            "确认备份策略（全量、增量、日志）与保存期限",
            "将备份副本保存到另一台设备或离线介质",
            "在测试环境做一次恢复并记录用时",
        ),
    ),
)

NETWORK = Guide(
    "network",
    "网络设备",
    ("网络设备", "安全设备", "无线接入设备", "网关节点"),
    (
        _m(
            "network",
            "management",
            "管理方式与管理地址",
            "telnet 与 HTTP 管理已关闭；非运维地址无法登录设备",
            "备份当前运行配置",
            "启用 SSH 与 HTTPS，关闭 telnet 与 HTTP 管理",
            "配置管理地址访问控制列表，只允许运维网段",
            "设置管理会话超时",
            "保存配置，新开会话验证可以登录",
        ),
        _m(
            "network",
            "accounts",
            "账户与鉴别",
            "无默认账户；口令以加密方式保存；登录失败会锁定",
            "修改或删除默认账户",
            "为每名管理员建立个人账户并分配权限级别",
            "启用口令加密存储与登录失败处理",
            "有条件时接入集中认证（AAA）",
        ),
        _m(
            "network",
            "logging",
            "日志与时间同步",
            "日志服务器收到设备日志，设备时间与 NTP 服务器一致",
            "配置 NTP 服务器与时区",
            "配置日志服务器地址与日志级别",
            "开启登录与配置变更的日志",
        ),
        _m(
            "network",
            "acl",
            "访问控制策略梳理",
            "策略中无 any-any 放行，无过期规则，关键区域之间按需放通",
            "导出全部访问控制策略",
            "与网络管理员逐条确认用途与责任人",
            "删除过期和冗余规则，收紧过宽的规则",
            "在维护窗口内生效并观察业务",
        ),
        _m(
            "network",
            "services",
            "关闭多余服务",
            "设备上只剩必需的服务",
            "关闭不使用的端口与服务（如 CDP/LLDP 对外、HTTP 服务器、SNMP v1/v2c 默认团体名）",
            "需要 SNMP 时使用 v3 并限制来源地址",
            "保存配置并备份",
        ),
    ),
)

MANUAL: tuple[Guide, ...] = (LINUX, WINDOWS, DATABASE, NETWORK)
MEASURES: dict[str, Measure] = {m.key: m for g in MANUAL for m in g.measures}


def measure(key: str) -> Measure | None:
    return MEASURES.get(key)


def guides_for(object_type: str) -> list[Guide]:
    """The parts of the manual that apply to an object of this type (possibly none)."""
    return [g for g in MANUAL if object_type in g.object_types]
