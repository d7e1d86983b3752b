"""The Linux collection script: POSIX sh, read-only, one tar.gz bundle out.

Each command's output becomes ``out/<name>.txt``; ``manifest.json`` maps the name to
the command, its exit code and the SHA-256 of its output. Password hashes are never
read: /etc/shadow is cut to the user name and the aging fields (3-9) only.
"""

from __future__ import annotations

import json
import shlex

VERSION = "1"

# name → command (run by `sh -c`, stderr kept: "not found" is evidence too)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("os_release", "cat /etc/os-release"),
    ("uname", "uname -a"),
    ("uptime", "uptime"),
    ("processes", "ps -e -o comm= | sort -u"),
    ("passwd", "cat /etc/passwd"),
    ("shadow_aging", "cut -d: -f1,3-9 /etc/shadow"),
    (
        "account_status",
        'passwd -S -a 2>/dev/null || for u in $(cut -d: -f1 /etc/passwd); do passwd -S "$u"; done',
    ),
    ("group", "cat /etc/group"),
    (
        "duplicate_ids",
        "cut -d: -f1 /etc/passwd | sort | uniq -d | sed 's/^/dup-name /'; "
        "cut -d: -f3 /etc/passwd | sort | uniq -d | sed 's/^/dup-uid /'; echo END",
    ),
    ("login_defs", "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs"),
    (
        "pam_password",
        "for f in /etc/pam.d/common-password /etc/pam.d/system-auth /etc/pam.d/password-auth; do "
        '[ -f "$f" ] && grep -Ev \'^[[:space:]]*(#|$)\' "$f" | sed "s|^|$f: |"; done; true',
    ),
    (
        "pam_auth",
        "for f in /etc/pam.d/common-auth /etc/pam.d/system-auth /etc/pam.d/password-auth /etc/pam.d/login "
        '/etc/pam.d/sshd /etc/pam.d/su; do [ -f "$f" ] && grep -Ev \'^[[:space:]]*(#|$)\' "$f" '
        '| sed "s|^|$f: |"; done; true',
    ),
    (
        "pwquality",
        "cat /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf 2>/dev/null "
        "| grep -Ev '^[[:space:]]*(#|$)'; true",
    ),
    ("faillock", "grep -Ev '^[[:space:]]*(#|$)' /etc/security/faillock.conf"),
    (
        "sshd_effective",
        "sshd -T 2>/dev/null || { echo '# sshd -T unavailable: configuration files follow'; "
        "grep -Ehv '^[[:space:]]*(#|$)' /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; }",
    ),
    ("sshd_config", "grep -Ev '^[[:space:]]*(#|$)' /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf"),
    (
        "tmout",
        "grep -Hs -E '^[^#]*(TMOUT|TIMEOUT|HISTSIZE|HISTFILESIZE)' "
        "/etc/profile /etc/profile.d/*.sh /etc/bash.bashrc "
        "/etc/environment /etc/csh.cshrc; true",
    ),
    ("sudoers", "grep -HEv '^[[:space:]]*(#|$)' /etc/sudoers /etc/sudoers.d/* 2>/dev/null; true"),
    ("privileged_groups", "grep -E '^(root|sudo|wheel|adm|admin|shadow|disk):' /etc/group"),
    ("uid0", "awk -F: '$3 == 0 {print $1}' /etc/passwd"),
    ("auditd_state", "systemctl is-active auditd; systemctl is-enabled auditd; auditctl -s"),
    ("audit_rules", "auditctl -l; cat /etc/audit/rules.d/*.rules /etc/audit/audit.rules 2>/dev/null; true"),
    ("auditd_conf", "grep -Ev '^[[:space:]]*(#|$)' /etc/audit/auditd.conf"),
    (
        "rsyslog",
        "systemctl is-active rsyslog; cat /etc/rsyslog.conf /etc/rsyslog.d/*.conf 2>/dev/null "
        "| grep -Ev '^[[:space:]]*(#|$)'; true",
    ),
    (
        "journald",
        "systemctl is-active systemd-journald; cat /etc/systemd/journald.conf "
        "/etc/systemd/journald.conf.d/*.conf 2>/dev/null | grep -Ev '^[[:space:]]*(#|$)'; true",
    ),
    ("logrotate", "grep -Ev '^[[:space:]]*(#|$)' /etc/logrotate.conf"),
    ("listening", "ss -tulnpH 2>/dev/null || ss -tuln || netstat -tuln"),
    ("services_enabled", "systemctl list-unit-files --type=service --state=enabled --no-pager --no-legend"),
    ("services_running", "systemctl list-units --type=service --state=running --no-pager --no-legend"),
    (
        "packages",
        "dpkg-query -W -f '${Package} ${Version}\\n' 2>/dev/null || rpm -qa --qf '%{NAME} %{VERSION}\\n'",
    ),
    ("kernel", "uname -r"),
    (
        "selinux",
        "getenforce 2>/dev/null; sestatus 2>/dev/null; grep -s '^SELINUX=' /etc/selinux/config; true",
    ),
    (
        "apparmor",
        "cat /sys/module/apparmor/parameters/enabled 2>/dev/null; aa-status 2>/dev/null | head -20; true",
    ),
    (
        "firewall",
        "nft list ruleset 2>/dev/null | head -400; iptables -S 2>/dev/null | head -200; "
        "firewall-cmd --state 2>/dev/null; ufw status 2>/dev/null; true",
    ),
    (
        "ntp",
        "timedatectl show 2>/dev/null; chronyc -n sources 2>/dev/null; "
        "grep -Ehs '^[[:space:]]*(server|pool|NTP=|FallbackNTP=)' /etc/chrony/chrony.conf /etc/chrony.conf "
        "/etc/ntp.conf /etc/ntpsec/ntp.conf /etc/systemd/timesyncd.conf; true",
    ),
    (
        "file_perms",
        "stat -c '%a %U %G %n' /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/sudoers "
        "/etc/ssh/sshd_config /etc/login.defs /etc/crontab /var/log /var/log/audit /boot/grub/grub.cfg "
        "/etc/audit/auditd.conf 2>&1",
    ),
    ("log_perms", "find /var/log -maxdepth 2 -type f -perm -o+w -print 2>/dev/null | head -50; echo END"),
    (
        "cron",
        "ls -la /etc/cron.d /etc/cron.daily /etc/cron.hourly 2>/dev/null; "
        "grep -Ev '^[[:space:]]*(#|$)' /etc/crontab",
    ),
    ("cron_perms", "stat -c '%a %U %G %n' /etc/crontab /etc/cron.d /etc/cron.daily /etc/cron.hourly 2>&1"),
    (
        "umask",
        "grep -Hs -Ei '^[^#]*umask' /etc/profile /etc/bash.bashrc /etc/login.defs /etc/profile.d/*.sh; true",
    ),
    (
        "integrity_av",
        "for c in aide tripwire samhain clamscan clamd freshclam rkhunter chkrootkit "
        "ossec-control wazuh-control "
        'falcon-sensor; do p=$(command -v $c 2>/dev/null) && echo "tool $c $p"; done; '
        "for s in clamav-daemon clamav-freshclam aide.timer dailyaidecheck.timer wazuh-agent ossec; do "
        'echo "service $s $(systemctl is-active $s 2>/dev/null)"; done; true',
    ),
    (
        "sysctl",
        "sysctl kernel.randomize_va_space net.ipv4.ip_forward net.ipv4.conf.all.accept_redirects "
        "net.ipv4.conf.all.send_redirects net.ipv4.conf.all.accept_source_route net.ipv4.tcp_syncookies "
        "net.ipv4.icmp_echo_ignore_broadcasts fs.suid_dumpable kernel.dmesg_restrict 2>&1",
    ),
    ("mounts", "findmnt -rn -o TARGET,FSTYPE,OPTIONS 2>/dev/null || cat /proc/mounts"),
    ("hosts_access", "grep -Hsv '^[[:space:]]*#' /etc/hosts.allow /etc/hosts.deny; true"),
    ("banner", "cat /etc/issue /etc/issue.net 2>/dev/null; true"),
    (
        "updates",
        "ls /etc/apt/apt.conf.d/ 2>/dev/null; "
        "grep -hs 'Unattended-Upgrade\\|Update-Package-Lists' /etc/apt/apt.conf.d/*; true",
    ),
    ("useradd_defaults", "useradd -D 2>/dev/null || cat /etc/default/useradd"),
    (
        "trusted_boot",
        "mokutil --sb-state 2>&1; [ -d /sys/firmware/efi ] && echo 'efi: yes' || echo 'efi: no'; "
        "ls /sys/kernel/security/ 2>/dev/null; cat /proc/cmdline",
    ),
    ("swap_crypt", "cat /proc/swaps; cat /etc/crypttab 2>/dev/null; true"),
)


def script(*, timeout_s: int = 5, budget_s: int = 25) -> str:
    """The script text; it runs with POSIX sh (dash, busybox ash, bash).

    Each command gets ``timeout_s`` (where ``timeout`` exists); once ``budget_s`` has passed the
    remaining commands are skipped (exit code 125, a note in their output), so a host with a hung
    D-Bus or NTP daemon still yields a bundle within about 30 s.
    """
    runs = "\n".join(
        f"run {name} {shlex.quote(json.dumps(command, ensure_ascii=False))} {shlex.quote(command)}"
        for name, command in COMMANDS
    )
    return (
        _TEMPLATE.replace("@VERSION@", VERSION)
        .replace("@TIMEOUT@", str(timeout_s))
        .replace("@BUDGET@", str(budget_s))
        .replace("@RUNS@", runs)
    )


_TEMPLATE = r"""#!/bin/sh
# dengbao Linux evidence collector, version @VERSION@ (等保测评 主机核查采集脚本)
#
# Read-only: it runs only commands that read, writes nothing but its output bundle
# (a temporary directory is removed on exit), and never reads password hashes
# (/etc/shadow is cut to the user name and aging fields only).
# Usage: sh collect-linux.sh [OUTPUT.tar.gz]     Run as root for a complete picture.
#        sh collect-linux.sh -                  the bundle goes to standard output (nothing else
#        does), e.g. fed over SSH with `ssh HOST sh -s - - < collect-linux.sh > bundle.tar.gz`
set -u
umask 077
LC_ALL=C
export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
json_safe() { tr -d '\000-\037"\\' ; }
host=$(hostname 2>/dev/null | tr -cd 'A-Za-z0-9._-')
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUT=${1:-./dengbao-linux-${host:-host}-$(date -u +%Y%m%dT%H%M%SZ).tar.gz}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dengbao-collect.XXXXXX") || {
  echo "cannot create a temporary directory" >&2
  exit 1
}
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir "$WORK/out" || exit 1
if command -v timeout >/dev/null 2>&1; then T="timeout @TIMEOUT@"; else T=""; fi
if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum "$1" | cut -d' ' -f1; }
else
  sha() { openssl dgst -sha256 "$1" | sed 's/.*= //'; }
fi
TAB=$(printf '\t')
t0=$(date +%s)
run() {
  if [ $(($(date +%s) - t0)) -ge @BUDGET@ ]; then
    echo "skipped: the collector's @BUDGET@ s budget was used up" >"$WORK/out/$1.txt"
    rc=125
  else
    $T sh -c "$3" >"$WORK/out/$1.txt" 2>&1 </dev/null
    rc=$?
  fi
  printf '%s\t%s\t%s\t%s\n' "$1" "$rc" "$(sha "$WORK/out/$1.txt")" "$2" >>"$WORK/index"
}
@RUNS@
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fqdn=$(hostname -f 2>/dev/null | json_safe)
addrs=$( (hostname -I 2>/dev/null || ip -o addr show 2>/dev/null | awk '{print $4}' | cut -d/ -f1) \
  | tr -cd '0-9a-fA-F.: \n' | tr '\n' ' ')
machine_id=$(cat /etc/machine-id 2>/dev/null | tr -cd '0-9a-f')
os=$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-}" | json_safe)
kernel=$(uname -r | json_safe)
user=$(id -un 2>/dev/null | json_safe)
{
  printf '{\n  "collector": "dengbao-linux",\n  "version": "@VERSION@",\n  "platform": "linux",\n'
  printf '  "host": {"hostname": "%s", "fqdn": "%s", "addresses": [' "$host" "$fqdn"
  sep=""
  for a in $addrs; do printf '%s"%s"' "$sep" "$a"; sep=", "; done
  printf '], "machine_id": "%s", "os": "%s", "kernel": "%s"},\n' "$machine_id" "$os" "$kernel"
  printf '  "run_as": "%s",\n  "started": "%s",\n' "$user" "$started"
  printf '  "finished": "%s",\n  "commands": [\n' "$finished"
  sep=""
  while IFS="$TAB" read -r name rc sum cmd; do
    printf '%s    {"name": "%s", "command": %s, "file": "out/%s.txt", "rc": %s, "sha256": "%s"}' \
      "$sep" "$name" "$cmd" "$name" "$rc" "$sum"
    sep=",
"
  done <"$WORK/index"
  printf '\n  ]\n}\n'
} >"$WORK/manifest.json"
if [ "$OUT" = "-" ]; then
  tar -czf - -C "$WORK" manifest.json out || { echo "cannot write the bundle" >&2; exit 1; }
  exit 0
fi
tar -czf "$OUT" -C "$WORK" manifest.json out || { echo "cannot write $OUT" >&2; exit 1; }
echo "$OUT"
"""
