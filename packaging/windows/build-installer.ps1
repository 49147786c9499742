<#
.SYNOPSIS
    Builds Study Teddy's Windows installers: the frozen app, then the Inno Setup program and the MSI.

.DESCRIPTION
    NOT RUN OR TESTED: written on Linux, where no Windows, PowerShell, Inno Setup or WiX was available.
    Read packaging\windows\README.md first, in particular why the installed app does not start yet.

    Steps: python packaging\build (the frozen app in dist\studyteddy), make sure vcomp140.dll sits next
    to llama.dll, optionally sign the programs, then iscc (dist\installers\StudyTeddy-<version>-setup.exe)
    and wix build (dist\installers\StudyTeddy-<version>.msi).

    Signing is off unless STUDYTEDDY_SIGN_CERT_SHA1 holds the thumbprint of a code-signing certificate
    in the current user's or machine's store; STUDYTEDDY_TIMESTAMP_URL overrides the timestamp server.

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File packaging\windows\build-installer.ps1
.EXAMPLE
    .\packaging\windows\build-installer.ps1 -SkipAppBuild -SkipMsi
#>
[CmdletBinding()]
param(
    # The interpreter that runs packaging\build.
    [string] $Python = "python",
    # Version for both installers; read from pyproject.toml when not given.
    [string] $Version = "",
    # Reuse an existing dist\studyteddy instead of building it again.
    [switch] $SkipAppBuild,
    [switch] $SkipInno,
    [switch] $SkipMsi
)

Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$AppDir = Join-Path $RepoRoot "dist\studyteddy"
$OutputDir = Join-Path $RepoRoot "dist\installers"
$LlamaLibDir = Join-Path $AppDir "_internal\llama_cpp\lib"

function Stop-Build([string] $Message) {
    Write-Host ""
    Write-Host "build-installer: $Message" -ForegroundColor Red
    exit 1
}

function Invoke-Checked([string] $Program, [string[]] $Arguments) {
    Write-Host "> $Program $($Arguments -join ' ')"
    # Out-Host, so a tool's output is shown and never becomes the caller's return value.
    & $Program @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) {
        Stop-Build "$Program failed with exit code $LASTEXITCODE"
    }
}

function Get-AppVersion {
    if ($Version) { return $Version }
    $pyproject = Get-Content (Join-Path $RepoRoot "pyproject.toml") -Raw
    $match = [regex]::Match($pyproject, '(?m)^version\s*=\s*"([^"]+)"')
    if (-not $match.Success) { Stop-Build "no version in pyproject.toml; pass -Version" }
    return $match.Groups[1].Value
}

function Build-FrozenApp {
    $buildScript = Join-Path $RepoRoot "packaging\build"
    if (-not (Test-Path $buildScript)) { Stop-Build "packaging\build is missing" }
    # Today packaging\build is a bash script for Linux (.venv/bin, cp -a, du); python cannot run it.
    $firstLine = Get-Content $buildScript -TotalCount 1
    if ($firstLine -match "bash|/bin/sh") {
        Stop-Build ("packaging\build is a bash script for Linux and cannot build on Windows yet. " +
                    "A Windows build needs a Python (or PowerShell) port of it: see packaging\windows\README.md.")
    }
    Push-Location $RepoRoot
    try { Invoke-Checked $Python @("packaging/build") } finally { Pop-Location }
    if (-not (Test-Path (Join-Path $AppDir "studyteddy.exe"))) {
        Stop-Build "packaging\build finished but dist\studyteddy\studyteddy.exe is missing"
    }
}

# The official redistributable copy ships with Visual Studio (VC\Redist\MSVC\<version>\x64\
# Microsoft.VC14x.OpenMP); the copy the VC++ runtime installs in System32 is the fallback.
function Find-Vcomp140 {
    $vswhere = Join-Path ${env:ProgramFiles(x86)} "Microsoft Visual Studio\Installer\vswhere.exe"
    if (Test-Path $vswhere) {
        $installs = & $vswhere -all -products * -property installationPath
        foreach ($install in $installs) {
            $redist = Join-Path $install "VC\Redist\MSVC"
            if (-not (Test-Path $redist)) { continue }
            $found = Get-ChildItem $redist -Recurse -Filter vcomp140.dll -ErrorAction SilentlyContinue |
                Where-Object { $_.FullName -match '\\x64\\Microsoft\.VC\d+\.OpenMP\\' } |
                Sort-Object { $_.VersionInfo.FileVersionRaw } -Descending |
                Select-Object -First 1
            if ($found) { return $found.FullName }
        }
    }
    $system = Join-Path $env:SystemRoot "System32\vcomp140.dll"
    if (Test-Path $system) { return $system }
    return $null
}

function Confirm-Vcomp140 {
    if (-not (Test-Path (Join-Path $LlamaLibDir "llama.dll"))) {
        Stop-Build ("llama.dll is not in $LlamaLibDir. The spec must collect llama-cpp-python's lib\ " +
                    "folder (llama-cpp-python #1475, #1565).")
    }
    $target = Join-Path $LlamaLibDir "vcomp140.dll"
    if (Test-Path $target) {
        Write-Host "vcomp140.dll is already next to llama.dll"
        return
    }
    $source = Find-Vcomp140
    if (-not $source) {
        Stop-Build ("vcomp140.dll (the OpenMP runtime llama.dll needs, pyinstaller #9216) was not found. " +
                    "Install Visual Studio Build Tools with the C++ workload, or the Visual C++ 2015-2022 " +
                    "Redistributable (x64) from https://aka.ms/vs/17/release/vc_redist.x64.exe, and run again.")
    }
    Copy-Item $source $target
    Write-Host "copied vcomp140.dll from $source"
}

function Invoke-Signing([string[]] $Files) {
    $thumbprint = $env:STUDYTEDDY_SIGN_CERT_SHA1
    if (-not $thumbprint) { return }
    $timestamp = if ($env:STUDYTEDDY_TIMESTAMP_URL) { $env:STUDYTEDDY_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
    $signtool = Get-Command signtool.exe -ErrorAction SilentlyContinue
    if (-not $signtool) { Stop-Build "STUDYTEDDY_SIGN_CERT_SHA1 is set but signtool.exe is not on PATH (Windows SDK)" }
    Invoke-Checked $signtool.Source (@("sign", "/sha1", $thumbprint, "/fd", "sha256", "/tr", $timestamp, "/td", "sha256") + $Files)
}

function Find-Iscc {
    $command = Get-Command iscc.exe -ErrorAction SilentlyContinue
    if ($command) { return $command.Source }
    foreach ($candidate in @(
            (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe"))) {
        if (Test-Path $candidate) { return $candidate }
    }
    Stop-Build "Inno Setup 6 was not found: install it (winget install JRSoftware.InnoSetup) or pass -SkipInno"
}

function Build-Inno([string] $AppVersion, [string] $NumericVersion) {
    $iscc = Find-Iscc
    Invoke-Checked $iscc @(
        "/DAppVersion=$AppVersion",
        "/DNumericVersion=$NumericVersion",
        "/DSourceDir=$AppDir",
        "/DOutputDir=$OutputDir",
        (Join-Path $PSScriptRoot "studyteddy.iss"))
    return Join-Path $OutputDir "StudyTeddy-$AppVersion-setup.exe"
}

function Build-Msi([string] $MsiVersion) {
    $wix = Get-Command wix.exe -ErrorAction SilentlyContinue
    if (-not $wix) { Stop-Build "WiX v5 was not found: dotnet tool install -g wix, then wix extension add -g WixToolset.Util.wixext (or pass -SkipMsi)" }
    $msi = Join-Path $OutputDir "StudyTeddy-$MsiVersion.msi"
    Invoke-Checked $wix.Source @(
        "build", (Join-Path $PSScriptRoot "wix\StudyTeddy.wxs"),
        "-arch", "x64",
        "-ext", "WixToolset.Util.wixext",
        "-d", "AppVersion=$MsiVersion",
        "-d", "SourceDir=$AppDir",
        "-o", $msi)
    return $msi
}

$started = Get-Date
$appVersion = Get-AppVersion
# Both installers want plain numbers: MSI three (major and minor below 256), file versions four.
$numeric = [regex]::Match($appVersion, '^(\d+)\.(\d+)\.(\d+)')
if (-not $numeric.Success) { Stop-Build "version '$appVersion' does not start with three numbers" }
$msiVersion = "$($numeric.Groups[1].Value).$($numeric.Groups[2].Value).$($numeric.Groups[3].Value)"
if ([int]$numeric.Groups[1].Value -gt 255 -or [int]$numeric.Groups[2].Value -gt 255) {
    Stop-Build "MSI versions need major and minor below 256, not $appVersion"
}
Write-Host "Study Teddy $appVersion (installer file version $msiVersion.0)"

if (-not $SkipAppBuild) { Build-FrozenApp }
if (-not (Test-Path (Join-Path $AppDir "studyteddy.exe"))) { Stop-Build "no frozen app in $AppDir; run without -SkipAppBuild" }
Confirm-Vcomp140

# A quick look that the frozen program loads at all; --version touches no database.
# (Windows PowerShell turns a native program's redirected stderr into errors, hence Continue here.)
$ErrorActionPreference = "Continue"
$reported = & (Join-Path $AppDir "studyteddy.exe") --version 2>&1
$versionExit = $LASTEXITCODE
$ErrorActionPreference = "Stop"
if ($versionExit -ne 0) { Write-Warning "studyteddy.exe --version failed: $reported" }
elseif ("$reported" -notmatch [regex]::Escape($appVersion)) { Write-Warning "the app reports '$reported', expected $appVersion" }

Invoke-Signing @(Get-ChildItem $AppDir -Filter *.exe | ForEach-Object { $_.FullName })
New-Item -ItemType Directory -Force $OutputDir | Out-Null

$built = @()
if (-not $SkipInno) { $built += Build-Inno $appVersion "$msiVersion.0" }
if (-not $SkipMsi) { $built += Build-Msi $msiVersion }
if ($built.Count -gt 0) { Invoke-Signing $built }

$installedBytes = (Get-ChildItem $AppDir -Recurse -File | Measure-Object -Property Length -Sum).Sum
Write-Host ""
Write-Host ("built in {0:N0} s; installed size {1:N0} MiB" -f ((Get-Date) - $started).TotalSeconds, ($installedBytes / 1MB))
foreach ($file in $built) {
    $item = Get-Item $file
    $hash = (Get-FileHash $file -Algorithm SHA256).Hash
    Write-Host ("{0}  {1:N0} MiB  sha256 {2}" -f $item.Name, ($item.Length / 1MB), $hash)
}
