; Study Teddy for Windows: Inno Setup 6 script for a per-machine install of the frozen app.
;
; NOT BUILT OR TESTED: this script was written on Linux, where neither Inno Setup nor Windows is
; available. It has never been compiled with iscc or run. See packaging/windows/README.md.
;
; Build (build-installer.ps1 does this for you):
;   iscc /DAppVersion=0.1.0 packaging\windows\studyteddy.iss
; Optional defines:
;   /DSourceDir=<folder>       the frozen app (default: dist\studyteddy at the repository root)
;   /DNumericVersion=0.1.0.0   the four-number file version, when AppVersion is not plain numbers
;   /DOutputDir=<folder>       where the setup program goes (default: dist\installers)
;
; Silent install, as a school's deployment tool runs it:
;   StudyTeddy-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /DIR="C:\Program Files\Study Teddy"
;       [/TASKS="desktopicon"] [/POLICY="\\server\share\policy.json"] [/LOG="C:\Windows\Temp\studyteddy-setup.log"]
; Silent uninstall:
;   "C:\Program Files\Study Teddy\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=0.1.0 studyteddy.iss (build-installer.ps1 reads it from the app)
#endif
#ifndef NumericVersion
  #define NumericVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir AddBackslash(SourcePath) + "..\..\dist\studyteddy"
#endif
#ifndef OutputDir
  #define OutputDir AddBackslash(SourcePath) + "..\..\dist\installers"
#endif

#if !FileExists(SourceDir + "\studyteddy.exe")
  #error The frozen app is missing: run "python packaging/build" first (SourceDir has no studyteddy.exe)
#endif

; One program serves the window and the terminal commands. If the spec ever adds a windowed twin
; (studyteddyw.exe, so a double click opens no console window), the shortcuts use it.
#if FileExists(SourceDir + "\studyteddyw.exe")
  #define GuiExe "studyteddyw.exe"
#else
  #define GuiExe "studyteddy.exe"
#endif

; llama.dll (via ggml-cpu.dll) needs the OpenMP runtime vcomp140.dll. build-installer.ps1 puts it next
; to llama.dll; if a build skipped that, setup insists on the Visual C++ runtime instead.
#define LlamaLibDir "_internal\llama_cpp\lib"
#if FileExists(SourceDir + "\" + LlamaLibDir + "\vcomp140.dll")
  #define VcompBundled "yes"
#else
  #define VcompBundled "no"
  #pragma warning "vcomp140.dll is not next to llama.dll: the installer will require the Visual C++ 2015-2022 runtime"
#endif

[Setup]
; Never change AppId: it is how setup finds an older Study Teddy to upgrade in place.
AppId={{7BC2A264-A2ED-48F4-A214-941FEC08D0CD}
AppName=Study Teddy
AppVersion={#AppVersion}
AppVerName=Study Teddy {#AppVersion}
AppPublisher=Study Teddy
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
VersionInfoDescription=Study Teddy setup
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 1809 or newer: the bundled PostgreSQL talks over AF_UNIX sockets, which Windows has from 1803.
MinVersion=10.0.17763
DefaultDirName={autopf}\Study Teddy
DisableDirPage=auto
DefaultGroupName=Study Teddy
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
OutputDir={#OutputDir}
OutputBaseFilename=StudyTeddy-{#AppVersion}-setup
Compression=lzma2/ultra64
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
SetupLogging=yes
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName=Study Teddy
; A running Study Teddy (and its database server) holds files in {app}: ask Windows to close them.
CloseApplications=yes
RestartApplications=no
; Setup never writes into a user's profile, so the warning about user areas would be noise.
UsedUserAreasWarning=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
english::LaunchApp=Launch Study Teddy
english::NeedsVcRuntime=Study Teddy needs the Microsoft Visual C++ 2015-2022 Redistributable (x64), which is not installed on this computer.%n%nPlease install it from https://aka.ms/vs/17/release/vc_redist.x64.exe and run this setup again.
english::PolicyMissing=The school policy file given with /POLICY was not found:%n%1%n%nStudy Teddy was installed without it.
english::PolicyNotJson=The school policy file given with /POLICY does not look like a JSON file:%n%1%n%nStudy Teddy was installed without it.
english::PolicyCopyFailed=The school policy file could not be copied to:%n%1

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundled runtime, so no library from an older version lingers and
; gets loaded by the new one. Only the program folder: students' data lives in their own profiles.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The school policy folder outlives the app: the policy belongs to the school, not to this install.
; Its permissions are locked down in code below, so students can read it but never change it.
Name: "{commonappdata}\StudyTeddy"; Flags: uninsneveruninstall

[Icons]
Name: "{autoprograms}\Study Teddy"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Comment: "Your offline AI study companion"
Name: "{autodesktop}\Study Teddy"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
; The bundled PostgreSQL refuses to start with administrator rights, and setup runs elevated:
; runasoriginaluser starts the app as the person who opened setup, without elevation.
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[UninstallDelete]
; Anything the app or Windows left in the program folder. User data folders are never touched.
Type: filesandordirs; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"

[Code]
const
  VcRuntimeKey = 'SOFTWARE\Microsoft\VisualStudio\14.0\VC\Runtimes\x64';
  PolicyFolderSids = '*S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX';

function VcRuntimeInstalled: Boolean;
var
  Installed: Cardinal;
begin
  Result := RegQueryDWordValue(HKLM64, VcRuntimeKey, 'Installed', Installed) and (Installed = 1);
  if not Result then
    Result := FileExists(ExpandConstant('{sys}\vcomp140.dll'));
end;

function InitializeSetup: Boolean;
begin
  Result := True;
  if ('{#VcompBundled}' = 'no') and not VcRuntimeInstalled then
  begin
    SuppressibleMsgBox(CustomMessage('NeedsVcRuntime'), mbCriticalError, MB_OK, IDOK);
    Log('Stopping: vcomp140.dll is not bundled and the Visual C++ runtime is not installed.');
    Result := False;
  end;
end;

procedure RunLogged(const Exe, Params: String);
var
  ResultCode: Integer;
begin
  Log('Running: ' + Exe + ' ' + Params);
  if not Exec(Exe, Params, '', SW_HIDE, ewWaitUntilTerminated, ResultCode) then
    Log('Could not start ' + Exe)
  else if ResultCode <> 0 then
    Log(Format('%s exited with %d', [Exe, ResultCode]));
end;

{ %ProgramData% lets every user create folders, so a student could have made StudyTeddy first and
  own it. Give it to Administrators and let users only read, whoever created it. }
procedure LockPolicyFolder;
var
  Folder, Icacls: String;
begin
  Folder := ExpandConstant('{commonappdata}\StudyTeddy');
  Icacls := ExpandConstant('{sys}\icacls.exe');
  RunLogged(Icacls, '"' + Folder + '" /setowner *S-1-5-32-544 /T /C /Q');
  RunLogged(Icacls, '"' + Folder + '" /inheritance:r /grant:r ' + PolicyFolderSids + ' /T /C /Q');
end;

function LooksLikeJson(const Path: String): Boolean;
var
  Text: AnsiString;
  Index: Integer;
begin
  Result := False;
  if not LoadStringFromFile(Path, Text) then
    Exit;
  Index := 1;
  { Skip a UTF-8 byte order mark and leading white space. }
  if (Length(Text) >= 3) and (Ord(Text[1]) = $EF) and (Ord(Text[2]) = $BB) and (Ord(Text[3]) = $BF) then
    Index := 4;
  while (Index <= Length(Text)) and (Ord(Text[Index]) <= 32) do
    Index := Index + 1;
  Result := (Index <= Length(Text)) and (Text[Index] = '{');
end;

{ /POLICY=path copies a school's policy.json into place; the app checks it fully when it starts. }
procedure CopyPolicyFile;
var
  Source, Target: String;
begin
  Source := ExpandConstant('{param:POLICY|}');
  if Source = '' then
    Exit;
  Target := ExpandConstant('{commonappdata}\StudyTeddy\policy.json');
  if not FileExists(Source) then
    SuppressibleMsgBox(FmtMessage(CustomMessage('PolicyMissing'), [Source]), mbError, MB_OK, IDOK)
  else if not LooksLikeJson(Source) then
    SuppressibleMsgBox(FmtMessage(CustomMessage('PolicyNotJson'), [Source]), mbError, MB_OK, IDOK)
  else if not FileCopy(Source, Target, False) then
    SuppressibleMsgBox(FmtMessage(CustomMessage('PolicyCopyFailed'), [Target]), mbError, MB_OK, IDOK)
  else
    Log('Copied the school policy from ' + Source + ' to ' + Target);
end;

procedure CheckOpenMpRuntime;
begin
  if not FileExists(ExpandConstant('{app}\{#LlamaLibDir}\vcomp140.dll')) and not VcRuntimeInstalled then
    Log('Warning: vcomp140.dll is neither next to llama.dll nor installed; the tutor will not load.');
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    { Lock first, so a copied policy inherits the locked permissions. }
    LockPolicyFolder;
    CopyPolicyFile;
    CheckOpenMpRuntime;
  end;
end;
