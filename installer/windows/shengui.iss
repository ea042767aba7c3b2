; Inno Setup script: the Windows installer of 小升规企业培育台账 (installer/windows/BUILD.md).
; Compile on Windows after `uv run --group installer pyinstaller installer/shengui.spec --noconfirm`
; (which writes dist\shengui\), from the checkout's root:
;     ISCC /DAppVersion=0.1.0 installer\windows\shengui.iss
; Output: dist\installer\shengui-setup-<version>.exe
;
; Per user by default (no administrator needed: the program goes to
; %LOCALAPPDATA%\Programs\shengui); the setup's first page lets an administrator install for all
; users instead. The user's data (ledger, key file, backups under %LOCALAPPDATA%\shengui_desktop,
; the window's settings) is never written or removed by the setup or its uninstaller.
; Paths are relative to this file; tests/test_installer_layout.py checks each one against the
; bundle layout the spec produces.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "小升规企业培育台账"
#define AppExe "shengui.exe"

[Setup]
AppId={{5C6F3B1E-7A2D-4E8B-9B43-1F2D6A7C9E05}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=shengui_desktop
DefaultDirName={autopf}\shengui
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\icons\shengui.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
LicenseFile=..\..\resources\fonts\wqy-microhei.LICENSE.txt
OutputDir=..\..\dist\installer
OutputBaseFilename=shengui-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："

[Files]
; the one-folder bundle: the program and its _internal\ folder (Python, Qt, the program's data)
Source: "..\..\dist\shengui\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\dist\shengui\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\icons\shengui.ico"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\shengui.ico"
Name: "{group}\卸载{#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\shengui.ico"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "启动{#AppName}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] for the user's data: %LOCALAPPDATA%\shengui_desktop stays, so that a
; reinstall (or a newer version) opens the same ledger. Only what the setup installed is removed.
