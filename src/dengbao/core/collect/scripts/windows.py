"""The Windows collection script: PowerShell 5.1, read-only, one bundle out.

Each command runs in its own runspace with a time limit; its output becomes
``out/<name>.txt`` (UTF-8), except ``secedit``, whose INF export is written there by
secedit itself (UTF-16LE with a BOM; the bundle reader decodes by BOM). ``manifest.json``
maps each name to the command, its exit code and the SHA-256 computed on the host
(Get-FileHash). The bundle is a .tar.gz where tar.exe exists (Windows 10 1803+, Server
2019+), else a .zip. Password hashes are never read: local users are listed with their
flags and dates only.

The script writes only inside its own temporary folder (removed at the end) and the bundle
it was asked to write; ``tests/collect/test_windows_script.py`` checks the text for any
other write.
"""

from __future__ import annotations

VERSION = "1"

# Registry paths read by several commands.
_TS = r"HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server"
_RDP_TCP = _TS + r"\WinStations\RDP-Tcp"
_TS_POLICY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services"
_LSA = r"HKLM:\SYSTEM\CurrentControlSet\Control\Lsa"
_SYSTEM_POLICY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"


def _reg(path: str, *names: str) -> str:
    quoted = ",".join(f"'{n}'" for n in names)
    return f"Show-Reg '{path}' @({quoted})"


def _csv(pipeline: str) -> str:
    return f"{pipeline} | ConvertTo-Csv -NoTypeInformation"


# name → PowerShell code. Output and errors are both kept ("not found" is evidence too).
# $Target is this command's output file (in the script's own folder), $Scratch a folder
# for tool logs that are not part of the bundle.
COMMANDS: tuple[tuple[str, str], ...] = (
    (
        "os_version",
        "$o = Get-CimInstance Win32_OperatingSystem; $cs = Get-CimInstance Win32_ComputerSystem; "
        "$cv = Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'; "
        "'Caption : ' + $o.Caption; 'Version : ' + $o.Version; 'BuildNumber : ' + $o.BuildNumber; "
        "'UBR : ' + $cv.UBR; 'DisplayVersion : ' + $cv.DisplayVersion; 'ProductType : ' + $o.ProductType; "
        "'OSArchitecture : ' + $o.OSArchitecture; 'InstallDate : ' + $o.InstallDate.ToString('s'); "
        "'LastBootUpTime : ' + $o.LastBootUpTime.ToString('s'); 'PartOfDomain : ' + $cs.PartOfDomain; "
        "'Domain : ' + $cs.Domain",
    ),
    (
        "secedit",
        "secedit.exe /export /cfg $Target /areas SECURITYPOLICY USER_RIGHTS "
        "/log (Join-Path $Scratch 'secedit.log') /quiet",
    ),
    ("auditpol", "auditpol.exe /get /category:* /r"),
    ("net_accounts", "net.exe accounts"),
    (
        "local_users",
        _csv(
            "$now = Get-Date; Get-LocalUser | ForEach-Object { [pscustomobject][ordered]@{ "
            "Name = $_.Name; SID = $_.SID.Value; Enabled = $_.Enabled; "
            "PasswordRequired = $_.PasswordRequired; "
            "PasswordExpires = $(if ($_.PasswordExpires) { $_.PasswordExpires.ToString('s') } "
            "else { 'never' }); "
            "PasswordLastSet = $(if ($_.PasswordLastSet) { $_.PasswordLastSet.ToString('s') } else { '' }); "
            "LastLogon = $(if ($_.LastLogon) { $_.LastLogon.ToString('s') } else { 'never' }); "
            "LastLogonDays = $(if ($_.LastLogon) { [int]($now - $_.LastLogon).TotalDays } else { 'never' }); "
            "UserMayChangePassword = $_.UserMayChangePassword; Description = $_.Description } }"
        ),
    ),
    (
        "admins",
        "Show-Group 'S-1-5-32-544'",
    ),
    (
        "rdp_users",
        "Show-Group 'S-1-5-32-555'",
    ),
    (
        "rdp",
        "; ".join(
            (
                _reg(_TS, "fDenyTSConnections"),
                _reg(_RDP_TCP, "UserAuthentication", "SecurityLayer", "MinEncryptionLevel", "PortNumber"),
                _reg(
                    _TS_POLICY,
                    "fDenyTSConnections",
                    "UserAuthentication",
                    "SecurityLayer",
                    "MinEncryptionLevel",
                    "MaxIdleTime",
                    "MaxDisconnectionTime",
                    "fPromptForPassword",
                    "fEncryptRPCTraffic",
                ),
            )
        ),
    ),
    (
        "screen_lock",
        "; ".join(
            (
                _reg(
                    r"HKCU:\Control Panel\Desktop",
                    "ScreenSaveActive",
                    "ScreenSaverIsSecure",
                    "ScreenSaveTimeOut",
                    "SCRNSAVE.EXE",
                ),
                _reg(
                    r"HKCU:\Software\Policies\Microsoft\Windows\Control Panel\Desktop",
                    "ScreenSaveActive",
                    "ScreenSaverIsSecure",
                    "ScreenSaveTimeOut",
                ),
                _reg(_SYSTEM_POLICY, "InactivityTimeoutSecs"),
            )
        ),
    ),
    (
        "firewall_profiles",
        _csv(
            "Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object Name, Enabled, "
            "DefaultInboundAction, DefaultOutboundAction, LogAllowed, LogBlocked, LogFileName, "
            "LogMaxSizeKilobytes"
        ),
    ),
    (
        "firewall_rdp_rules",
        # One query per filter kind, joined by rule InstanceID (a query per rule takes minutes).
        "$ports = @{}; Get-NetFirewallPortFilter -All -PolicyStore ActiveStore | ForEach-Object "
        "{ $ports[$_.InstanceID] = $_ }; $addrs = @{}; "
        "Get-NetFirewallAddressFilter -All -PolicyStore ActiveStore "
        "| ForEach-Object { $addrs[$_.InstanceID] = $_ }; "
        + _csv(
            "Get-NetFirewallRule -PolicyStore ActiveStore -Direction Inbound -Enabled True | Where-Object { "
            "$p = $ports[$_.InstanceID]; $p -and ($p.LocalPort -contains '3389') } | ForEach-Object { "
            "[pscustomobject][ordered]@{ Name = $_.Name; DisplayName = $_.DisplayName; Action = $_.Action; "
            "Profile = $_.Profile; LocalPort = ($ports[$_.InstanceID].LocalPort -join ' '); "
            "RemoteAddress = ($addrs[$_.InstanceID].RemoteAddress -join ' ') } }"
        ),
    ),
    (
        "services",
        _csv(
            "Get-CimInstance Win32_Service | Sort-Object Name | Select-Object Name, DisplayName, State, "
            "StartMode, StartName"
        ),
    ),
    (
        "features",
        "if (Get-Command Get-WindowsFeature -ErrorAction SilentlyContinue) { "
        + _csv("Get-WindowsFeature | Where-Object Installed | Select-Object Name, DisplayName, FeatureType")
        + " } else { "
        + _csv(
            "Get-WindowsOptionalFeature -Online | Where-Object State -eq 'Enabled' | "
            "Select-Object @{n='Name';e={$_.FeatureName}}, State"
        )
        + " }",
    ),
    (
        "software",
        _csv(
            "Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', "
            "'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' "
            "-ErrorAction SilentlyContinue | Where-Object DisplayName | Sort-Object DisplayName | "
            "Select-Object DisplayName, DisplayVersion, Publisher"
        ),
    ),
    (
        "hotfixes",
        "$h = @(Get-HotFix | Select-Object HotFixID, Description, @{n='InstalledOn';e={ "
        "if ($_.InstalledOn) { $_.InstalledOn.ToString('yyyy-MM-dd') } }}); "
        + _csv("$h")
        + "; $last = $h | Where-Object InstalledOn | Sort-Object InstalledOn | Select-Object -Last 1; "
        "if ($last) { '# LatestInstalledOn: ' + $last.InstalledOn + '; DaysAgo: ' + "
        "[int]((Get-Date) - [datetime]$last.InstalledOn).TotalDays } else { '# LatestInstalledOn: none' }",
    ),
    (
        "windows_update",
        "; ".join(
            (
                _reg(
                    r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate", "WUServer", "WUStatusServer"
                ),
                _reg(
                    r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU",
                    "NoAutoUpdate",
                    "AUOptions",
                    "UseWUServer",
                ),
            )
        ),
    ),
    (
        "defender",
        "Get-MpComputerStatus | Select-Object AMServiceEnabled, AntispywareEnabled, AntivirusEnabled, "
        "RealTimeProtectionEnabled, BehaviorMonitorEnabled, IoavProtectionEnabled, NISEnabled, "
        "OnAccessProtectionEnabled, AntivirusSignatureAge, AntivirusSignatureLastUpdated, "
        "AntivirusSignatureVersion, AMProductVersion, AMRunningMode | Format-List",
    ),
    (
        "av_products",
        _csv(
            "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | "
            "Select-Object displayName, productState"
        ),
    ),
    ("eventlog_security", "wevtutil.exe gl Security"),
    ("eventlog_system", "wevtutil.exe gl System"),
    ("eventlog_application", "wevtutil.exe gl Application"),
    ("eventlog_service", "sc.exe sdshow EventLog; sc.exe qc EventLog"),
    (
        "log_forwarding",
        _reg(r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\EventLog\EventForwarding\SubscriptionManager", "1")
        + "; 'wecutil es:'; wecutil.exe es",
    ),
    (
        "smb",
        "Get-SmbServerConfiguration | Select-Object EnableSMB1Protocol, EnableSMB2Protocol, "
        "RequireSecuritySignature, EnableSecuritySignature, EncryptData, RejectUnencryptedAccess, "
        "AutoShareServer, AutoShareWorkstation | Format-List",
    ),
    (
        "shares",
        _csv("Get-SmbShare | Select-Object Name, Path, Description, Special, ShareType, EncryptData"),
    ),
    (
        "share_access",
        _csv(
            "Get-SmbShare | Where-Object { -not $_.Special } | Get-SmbShareAccess | Select-Object Name, "
            "AccountName, AccessControlType, AccessRight"
        ),
    ),
    (
        "lsa",
        "; ".join(
            (
                _reg(
                    _LSA,
                    "LmCompatibilityLevel",
                    "NoLMHash",
                    "RestrictAnonymous",
                    "RestrictAnonymousSAM",
                    "EveryoneIncludesAnonymous",
                    "LimitBlankPasswordUse",
                    "RunAsPPL",
                    "DisableDomainCreds",
                    "SCENoApplyLegacyAuditPolicy",
                ),
                _reg(_LSA + r"\MSV1_0", "NTLMMinServerSec", "NTLMMinClientSec"),
                _reg(
                    r"HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest", "UseLogonCredential"
                ),
                _reg(
                    r"HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters",
                    "RestrictNullSessAccess",
                    "NullSessionShares",
                    "AutoShareServer",
                    "AutoShareWks",
                ),
            )
        ),
    ),
    (
        "logon_policy",
        "; ".join(
            (
                _reg(
                    _SYSTEM_POLICY,
                    "EnableLUA",
                    "ConsentPromptBehaviorAdmin",
                    "DontDisplayLastUserName",
                    "ScForceOption",
                    "LegalNoticeCaption",
                ),
                _reg(r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon", "CachedLogonsCount"),
                _reg(
                    r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management",
                    "ClearPageFileAtShutdown",
                ),
            )
        ),
    ),
    (
        "credential_providers",
        "Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\"
        "Credential Providers' | ForEach-Object { $_.PSChildName + ' ' + $_.GetValue('') }",
    ),
    (
        "winrm",
        _reg(
            r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service",
            "AllowUnencryptedTraffic",
            "AllowBasic",
        )
        + "; "
        + _reg(
            r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WSMAN\Service",
            "allow_unencrypted",
            "auth_basic",
        ),
    ),
    (
        "listening",
        _csv(
            "Get-NetTCPConnection -State Listen | Sort-Object LocalPort, LocalAddress | Select-Object "
            "LocalAddress, LocalPort, OwningProcess, @{n='Process';e={ "
            "(Get-Process -Id $_.OwningProcess -ErrorAction SilentlyContinue).ProcessName }}"
        ),
    ),
    (
        "listening_udp",
        _csv(
            "Get-NetUDPEndpoint | Sort-Object LocalPort, LocalAddress | "
            "Select-Object LocalAddress, LocalPort, OwningProcess"
        ),
    ),
    (
        "time_sync",
        _reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters", "Type", "NtpServer")
        + "; w32tm.exe /query /status",
    ),
    (
        "volumes",
        _csv(
            "Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' | "
            "Select-Object DeviceID, FileSystem, Size"
        ),
    ),
    (
        "bitlocker",
        _csv(
            "Get-BitLockerVolume | Select-Object MountPoint, VolumeStatus, ProtectionStatus, EncryptionMethod"
        ),
    ),
)

# Helpers defined in every command's runspace.
_HELPERS = r"""
function Show-Reg([string]$Path, [string[]]$Names) {
  $item = Get-ItemProperty -LiteralPath $Path -ErrorAction SilentlyContinue
  foreach ($n in $Names) {
    $v = if ($item -and ($item.PSObject.Properties.Name -contains $n)) { $item.$n } else { '(not set)' }
    if ($v -is [array]) { $v = $v -join ';' }
    '{0}\{1} = {2}' -f ($Path -replace '^(HK..):', '$1'), $n, $v
  }
}
function Show-Group([string]$Sid) {
  try {
    Get-LocalGroupMember -SID $Sid -ErrorAction Stop |
      Select-Object Name, ObjectClass, PrincipalSource, @{n='SID';e={$_.SID.Value}} |
      ConvertTo-Csv -NoTypeInformation
  } catch {
    # Get-LocalGroupMember fails on orphaned SIDs: net localgroup still lists the members.
    '# Get-LocalGroupMember: ' + $_.Exception.Message
    $name = (New-Object Security.Principal.SecurityIdentifier $Sid).Translate(
      [Security.Principal.NTAccount]).Value.Split('\')[-1]
    net.exe localgroup $name
  }
}
"""


def _ps_string(text: str) -> str:
    """A PowerShell single-quoted literal (no expansion: '' is the only escape)."""
    return "'" + text.replace("'", "''") + "'"


def script(*, timeout_s: int = 10, budget_s: int = 45) -> str:
    """The script text, for Windows PowerShell 5.1 (also runs on PowerShell 7).

    Each command gets ``timeout_s`` in its own runspace (stopped when it overruns, exit code
    124); once ``budget_s`` has passed the remaining commands are skipped (exit code 125).
    """
    # ",@(...)": each pair stays one element of $Commands instead of being unrolled into it.
    entries = "\n".join(f"  ,@({_ps_string(name)}, {_ps_string(code)})" for name, code in COMMANDS)
    return (
        _TEMPLATE.replace("@VERSION@", VERSION)
        .replace("@TIMEOUT@", str(int(timeout_s)))
        .replace("@BUDGET@", str(int(budget_s)))
        .replace("@HELPERS@", _ps_string(_HELPERS.strip()))
        .replace("@COMMANDS@", entries)
    )


_TEMPLATE = r"""<#
dengbao Windows evidence collector, version @VERSION@ (等保测评 主机核查采集脚本)

Read-only: it runs only commands that read settings, writes nothing but its own temporary
folder (removed at the end) and the bundle named by -OutFile, and never reads password
hashes. Run in an elevated Windows PowerShell 5.1 (as Administrator) for a complete picture:
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File collect-windows.ps1 [-OutFile PATH]
#>
[CmdletBinding()]
param(
  [ValidatePattern('\.(tar\.gz|zip)$')]
  [ValidateScript({
    Test-Path -LiteralPath (Split-Path -Parent ([IO.Path]::GetFullPath($_))) -PathType Container })]
  [string]$OutFile = ''
)
Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'
$Version = '@VERSION@'
$TimeoutMs = @TIMEOUT@ * 1000
$BudgetS = @BUDGET@
$Helpers = @HELPERS@
$Commands = @(
@COMMANDS@
)

$HostName = ($env:COMPUTERNAME -replace '[^A-Za-z0-9._-]', '')
$Started = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
$Tar = Join-Path $env:SystemRoot 'System32\tar.exe'
$Ext = if (Test-Path -LiteralPath $Tar -PathType Leaf) { 'tar.gz' } else { 'zip' }
if (-not $OutFile) {
  $OutFile = Join-Path (Get-Location).Path ('dengbao-windows-{0}-{1}.{2}' -f $HostName,
    (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ'), $Ext)
}
$OutFile = [IO.Path]::GetFullPath($OutFile)
if ($OutFile -like '*.zip') { $Ext = 'zip' }
if (Test-Path -LiteralPath $OutFile) { throw "refusing to overwrite $OutFile" }

# The script's own folder: bundle\ is packed, scratch\ holds tool logs; both removed at the end.
$Work = Join-Path ([IO.Path]::GetTempPath()) ('dengbao-collect-' + [guid]::NewGuid().ToString('N'))
$Bundle = Join-Path $Work 'bundle'
$OutDir = Join-Path $Bundle 'out'
$Scratch = Join-Path $Work 'scratch'
[void][IO.Directory]::CreateDirectory($OutDir)
[void][IO.Directory]::CreateDirectory($Scratch)
$Utf8 = New-Object Text.UTF8Encoding $false

function Write-Own([string]$Path, [string]$Text) {
  # Every write goes through here and must land inside the script's own folder.
  $full = [IO.Path]::GetFullPath($Path)
  if (-not $full.StartsWith($Work + [IO.Path]::DirectorySeparatorChar)) { throw "refusing to write $full" }
  [IO.File]::WriteAllText($full, $Text, $Utf8)
}

$Runner = @'
param($Code, $Helpers, $Target, $Scratch)
$ErrorActionPreference = 'Continue'
$global:LASTEXITCODE = 0
$script:errs = 0
. ([scriptblock]::Create($Helpers))
$text = ''
try {
  $text = & ([scriptblock]::Create($Code)) 2>&1 | ForEach-Object {
    if ($_ -is [Management.Automation.ErrorRecord]) { $script:errs++ }
    $_
  } | Out-String -Width 4096
} catch { $text += 'ERROR: ' + $_.Exception.Message; $script:errs++ }
$rc = if ($LASTEXITCODE) { $LASTEXITCODE } elseif ($script:errs) { 1 } else { 0 }
[pscustomobject]@{ Text = [string]$text; Rc = [int]$rc }
'@

$T0 = Get-Date
$Index = New-Object Collections.ArrayList
try {
  foreach ($c in $Commands) {
    $name = $c[0]; $code = $c[1]
    $target = Join-Path $OutDir ($name + '.txt')
    $rc = 0
    if (((Get-Date) - $T0).TotalSeconds -ge $BudgetS) {
      Write-Own $target "skipped: the collector's $BudgetS s budget was used up"
      $rc = 125
    } else {
      $ps = [PowerShell]::Create()
      [void]$ps.AddScript($Runner).AddArgument($code).AddArgument($Helpers).AddArgument($target).AddArgument($Scratch)
      $async = $ps.BeginInvoke()
      if ($async.AsyncWaitHandle.WaitOne($TimeoutMs)) {
        $res = @($ps.EndInvoke($async))
        $text = if ($res.Count) { [string]$res[-1].Text } else { '' }
        $rc = if ($res.Count) { [int]$res[-1].Rc } else { 1 }
        if ($ps.Streams.Error.Count) {
          $text += ($ps.Streams.Error | Out-String -Width 4096)
          if (-not $rc) { $rc = 1 }
        }
        $ps.Dispose()
        # A command that writes its own output (secedit /export) leaves the file in place.
        if (-not (Test-Path -LiteralPath $target)) { Write-Own $target $text }
        elseif ($text.Trim()) { Write-Own (Join-Path $Scratch ($name + '.log')) $text }
      } else {
        [void]$ps.BeginStop($null, $null)
        if (-not (Test-Path -LiteralPath $target)) {
          Write-Own $target "timed out after $($TimeoutMs / 1000) s"
        }
        $rc = 124
      }
    }
    $sha = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash.ToLowerInvariant()
    [void]$Index.Add([ordered]@{
      name = $name; command = $code; file = "out/$name.txt"; rc = [int]$rc; sha256 = $sha
    })
  }

  $os = Get-CimInstance Win32_OperatingSystem -ErrorAction SilentlyContinue
  $cs = Get-CimInstance Win32_ComputerSystem -ErrorAction SilentlyContinue
  $addrs = @(Get-CimInstance Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' `
      -ErrorAction SilentlyContinue | ForEach-Object { $_.IPAddress } | Where-Object { $_ })
  $fqdn = try { [Net.Dns]::GetHostEntry('').HostName } catch { $HostName }
  $machineId = (Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Cryptography' `
      -ErrorAction SilentlyContinue).MachineGuid
  $manifest = [ordered]@{
    collector = 'dengbao-windows'
    version = $Version
    platform = 'windows'
    host = [ordered]@{
      hostname = $HostName
      fqdn = [string]$fqdn
      addresses = $addrs
      machine_id = [string]$machineId
      os = $(if ($os) { [string]$os.Caption } else { '' })
      kernel = $(if ($os) { [string]$os.Version } else { '' })
      domain = $(if ($cs) { [string]$cs.Domain } else { '' })
    }
    run_as = [Security.Principal.WindowsIdentity]::GetCurrent().Name
    started = $Started
    finished = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    commands = $Index.ToArray()
  }
  Write-Own (Join-Path $Bundle 'manifest.json') (ConvertTo-Json -InputObject $manifest -Depth 6)

  if ($Ext -eq 'tar.gz') {
    & $Tar -czf $OutFile -C $Bundle manifest.json out
    if ($LASTEXITCODE) { throw "tar.exe could not write $OutFile" }
  } else {
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::Open($OutFile, [IO.Compression.ZipArchiveMode]::Create)
    try {
      # Entry names are written explicitly with '/' (older .NET wrote '\' from CreateFromDirectory).
      $manifestFile = Join-Path $Bundle 'manifest.json'
      [void][IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $manifestFile, 'manifest.json')
      foreach ($f in Get-ChildItem -LiteralPath $OutDir -File) {
        [void][IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $f.FullName, 'out/' + $f.Name)
      }
    } finally { $zip.Dispose() }
  }
  $OutFile
} finally {
  # Cleaning the script's own temporary folder is its only removal.
  if ($Work.StartsWith([IO.Path]::GetTempPath()) -and (Split-Path -Leaf $Work) -like 'dengbao-collect-*') {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
  }
}
"""
