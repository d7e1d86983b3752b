"""The Windows collection script, checked statically (no PowerShell on this machine).

It must collect every artefact the rules read, only read (no cmdlet or tool that changes the
host; its writes go through one function that refuses paths outside its own folder), validate
its parameter, and quote every command correctly inside the generated PowerShell.
"""

from __future__ import annotations

import re

from click.testing import CliRunner

from dengbao.cli import main
from dengbao.core.collect.scripts import windows

TEXT = windows.script()

# Verbs that change a system, as PowerShell cmdlet prefixes.
CHANGING_VERBS = (
    "Set|New|Remove|Add|Clear|Rename|Move|Copy|Stop|Start|Restart|Disable|Enable|Install|Uninstall|Register|"
    "Unregister|Invoke|Out|Export|Import|Update|Reset|Suspend|Resume|Grant|Revoke|Block|Unblock|Write|"
    "Publish|Save|Mount|Dismount|Initialize|Format|Lock|Unlock|Protect|Unprotect|Push|Pop|Send|Debug|Use"
)
ALLOWED = {
    "Set-StrictMode",  # the script's own strictness
    "New-Object",  # .NET objects in memory
    "Add-Type",  # loads the zip assembly
    "Out-String",  # renders output to text
    "Format-List",  # renders output to text
    "Write-Own",  # the script's own writer, confined to its folder (below)
    "Remove-Item",  # only its own temporary folder (below)
}


def _ps_literals(line: str) -> list[str]:
    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", line)]


def test_every_artefact_command_is_in_the_script():
    for needle in (
        "secedit.exe /export /cfg $Target",
        "auditpol.exe /get /category:* /r",
        "net.exe accounts",
        "Get-LocalUser",
        "Show-Group ''S-1-5-32-544''",
        "Show-Group ''S-1-5-32-555''",
        "fDenyTSConnections",
        "''UserAuthentication'',''SecurityLayer'',''MinEncryptionLevel''",
        "ScreenSaverIsSecure",
        "ScreenSaveTimeOut",
        "InactivityTimeoutSecs",
        "Get-NetFirewallProfile -PolicyStore ActiveStore",
        "Get-CimInstance Win32_Service",
        "Get-HotFix",
        "Win32_OperatingSystem",
        "Get-MpComputerStatus",
        "wevtutil.exe gl Security",
        "wevtutil.exe gl System",
        "wevtutil.exe gl Application",
        "Get-SmbServerConfiguration",
        "LmCompatibilityLevel",
        "Get-SmbShare",
        "Get-NetTCPConnection -State Listen",
        "EventForwarding\\SubscriptionManager",
        "Get-FileHash -LiteralPath $target -Algorithm SHA256",
    ):
        assert needle in TEXT, needle
    assert "@" not in re.sub(r"@\{|@\(|@'|'@|@\"|\"@", "", TEXT.replace("@{n=", "")).replace(
        "@ ", ""
    )  # no placeholder left


def test_commands_survive_quoting_into_the_script():
    lines = [line for line in TEXT.splitlines() if line.startswith("  ,@(")]
    assert [tuple(_ps_literals(line)) for line in lines] == list(windows.COMMANDS)
    helpers = re.search(r"^\$Helpers = '(.*?)'$\n\$Commands", TEXT, re.S | re.M)
    assert helpers and helpers.group(1).replace("''", "'") == windows._HELPERS.strip()


def test_no_cmdlet_or_tool_that_changes_the_host():
    def changing(text: str) -> set[str]:
        return set(re.findall(rf"\b(?:{CHANGING_VERBS})-[A-Za-z]+\b", text)) - ALLOWED

    assert changing(TEXT) == set()
    assert changing(TEXT + "\nStop-Service WinDefend; Get-Date | Out-File x; Set-ItemProperty a") == {
        "Stop-Service",
        "Out-File",
        "Set-ItemProperty",
    }
    # Remove-Item: once, on the script's own temporary folder, after checking it is that folder
    removals = re.findall(r"Remove-Item .*", TEXT)
    assert removals == ["Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue"]
    assert "(Split-Path -Leaf $Work) -like 'dengbao-collect-*'" in TEXT
    # Native tools only in their reading forms.
    assert set(re.findall(r"secedit(?:\.exe)? (/\w+)", TEXT)) == {"/export"}
    assert set(re.findall(r"auditpol(?:\.exe)? (/\w+)", TEXT)) == {"/get"}
    assert set(re.findall(r"wevtutil(?:\.exe)? (\w+)", TEXT)) == {"gl"}
    assert set(re.findall(r"sc\.exe (\w+)", TEXT)) == {"sdshow", "qc"}
    assert set(re.findall(r"net\.exe (\w+)", TEXT)) == {"accounts", "localgroup"}
    assert re.findall(r"w32tm(?:\.exe)? (/\w+)", TEXT) == ["/query"]
    assert not re.search(r"net\.exe .*/(?:add|delete|active)", TEXT, re.I)
    assert not re.search(r"\breg(?:\.exe)? (?:add|delete|import|copy|restore|save)", TEXT, re.I)
    assert not re.search(
        r"Set-ItemProperty|Set-Item\b|Set-Content|Out-File|Export-Csv|Invoke-Expression|\biex\b", TEXT
    )
    assert not re.search(
        r"Set-MpPreference|Set-NetFirewall|Set-SmbServer|Set-Service|Stop-Service|bcdedit|schtasks", TEXT
    )
    # No redirection to files: `2>&1` merges streams, nothing else redirects.
    assert re.findall(r"\d?>>?\S*", TEXT.replace("#>", "")) == ["2>&1"]  # "#>" closes the comment block


def test_every_file_write_stays_in_the_scripts_folder():
    # .NET writes: one WriteAllText, inside Write-Own, which refuses anything outside $Work
    assert TEXT.count("[IO.File]::") == 1 and "[IO.File]::WriteAllText($full, $Text, $Utf8)" in TEXT
    assert "if (-not $full.StartsWith($Work + [IO.Path]::DirectorySeparatorChar)) { throw" in TEXT
    assert re.findall(r"CreateDirectory\((\$\w+)\)", TEXT) == ["$OutDir", "$Scratch"]
    assert "$Work = Join-Path ([IO.Path]::GetTempPath()) ('dengbao-collect-' + [guid]::NewGuid()" in TEXT
    # Write-Own targets: the output files, the manifest and tool logs (all under $Work)
    targets = re.findall(r"Write-Own (\S+)", TEXT)
    assert set(targets) == {"$target", "(Join-Path"}
    # secedit writes its INF as this command's output file and its log into the scratch folder
    assert "/log (Join-Path $Scratch ''secedit.log'')" in TEXT
    # the bundle: tar.exe or a zip, to -OutFile only, never over an existing file
    assert "& $Tar -czf $OutFile -C $Bundle manifest.json out" in TEXT
    assert "[IO.Compression.ZipFile]::Open($OutFile, [IO.Compression.ZipArchiveMode]::Create)" in TEXT
    assert 'if (Test-Path -LiteralPath $OutFile) { throw "refusing to overwrite $OutFile" }' in TEXT


def test_the_parameter_is_validated_and_time_is_bounded():
    assert "[ValidatePattern('\\.(tar\\.gz|zip)$')]" in TEXT
    assert "[ValidateScript({\n    Test-Path -LiteralPath (Split-Path -Parent" in TEXT
    assert "$TimeoutMs = 10 * 1000" in TEXT and "$BudgetS = 45" in TEXT
    assert (
        "$async.AsyncWaitHandle.WaitOne($TimeoutMs)" in TEXT and "$rc = 124" in TEXT and "$rc = 125" in TEXT
    )
    short = windows.script(timeout_s=3, budget_s=20)
    assert "$TimeoutMs = 3 * 1000" in short and "$BudgetS = 20" in short


def test_brackets_balance():
    # a cheap syntax check: the script's braces, brackets and parentheses pair up
    for open_, close in ("{}", "()", "[]"):
        assert TEXT.count(open_) == TEXT.count(close), open_


def test_cli_writes_the_script_with_a_bom_and_crlf(tmp_path):
    out = tmp_path / "c.ps1"
    result = CliRunner().invoke(main, ["collect", "script", "windows", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf<#") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.decode("utf-8-sig").replace("\r\n", "\n") == TEXT
    assert "powershell -NoProfile -ExecutionPolicy Bypass -File c.ps1" in result.output
