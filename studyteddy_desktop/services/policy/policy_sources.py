"""Where each system keeps the school's policy, and reading it: only machine-wide places, none a student writes."""

from __future__ import annotations

import functools
import json
import plistlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from studyteddy_desktop.services.policy.machine_policy import (
    FEATURE_KEYS,
    MachinePolicy,
    policy_from_values,
    with_problem,
)

BUNDLE_ID = "org.studyteddy.desktop"
REGISTRY_KEY = r"Software\Policies\StudyTeddy"
# A policy is a few hundred bytes; anything far larger is not one, and is not read into memory.
MAX_POLICY_BYTES = 1024 * 1024


class PolicyUnreadable(Exception):
    """The source is there but cannot be read; the message says why, in plain words."""


class PolicySource(Protocol):
    def describe(self) -> str: ...

    def read(self) -> Any | None:
        """The parsed values, or None when this place holds no policy; PolicyUnreadable otherwise."""


@dataclass(frozen=True)
class _FileSource:
    """A policy in one file: None when the file is absent, else what `_parse` makes of its bytes."""

    path: Path

    def describe(self) -> str:
        return str(self.path)

    def read(self) -> Any | None:
        data = _bytes_of(self.path)
        return None if data is None else self._parse(data)

    def _parse(self, data: bytes) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class JsonFileSource(_FileSource):
    def _parse(self, data: bytes) -> Any:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PolicyUnreadable("it is not UTF-8 text") from None
        if not text.strip():
            raise PolicyUnreadable("it is empty")
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise PolicyUnreadable(f"it is not valid JSON ({error.msg} on line {error.lineno}, "
                                   f"column {error.colno})") from None
        except RecursionError:
            raise PolicyUnreadable("it is nested too deeply to be a policy") from None
        except ValueError:  # an integer of thousands of digits
            raise PolicyUnreadable("it holds a number far too long to be a setting") from None


@dataclass(frozen=True)
class PlistSource(_FileSource):
    """macOS managed preferences, as a configuration profile installs them; keys as in the JSON file."""

    def _parse(self, data: bytes) -> Any:
        try:
            return plistlib.loads(data)
        except (plistlib.InvalidFileException, ValueError, OverflowError) as error:
            raise PolicyUnreadable(f"it is not a readable property list ({error})") from None


@dataclass(frozen=True)
class RegistrySource:
    """Values under HKLM named as the JSON keys: DWORD for switches and numbers, REG_SZ for text,
    REG_SZ holding JSON for exam_mode."""

    key: str = REGISTRY_KEY

    def describe(self) -> str:
        return "HKLM\\" + self.key

    def read(self) -> Any | None:
        import winreg  # only on Windows

        try:
            handle = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, self.key)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise PolicyUnreadable(f"the registry key cannot be opened ({error.strerror})") from None
        values: dict[str, Any] = {}
        with handle:
            index = 0
            while True:
                try:
                    name, value, kind = winreg.EnumValue(handle, index)
                except OSError:
                    break
                index += 1
                values[name] = _registry_value(name, value, kind == winreg.REG_DWORD)
        return values


def _registry_value(name: str, value: Any, is_dword: bool) -> Any:
    if is_dword and (name in FEATURE_KEYS or name == "require_sign_in") and value in (0, 1):
        return bool(value)
    if name == "exam_mode" and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # named as a wrong type by the parser
    return value


def _bytes_of(path: Path) -> bytes | None:
    try:
        if not path.exists():
            return None
        if path.is_dir():
            raise PolicyUnreadable("it is a folder, not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except PermissionError:
        raise PolicyUnreadable("Study Teddy is not allowed to read it") from None
    except OSError as error:
        raise PolicyUnreadable(f"it cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyUnreadable(f"it is larger than {MAX_POLICY_BYTES // 1024} KB, far too large for a policy")
    return data


def standard_sources(platform: str | None = None) -> list[PolicySource]:
    """The system's places, first found wins. No environment variable or user folder decides them,
    so a student cannot move or shadow the policy."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return [RegistrySource(), JsonFileSource(_program_data() / "StudyTeddy" / "policy.json")]
    if platform == "darwin":
        return [PlistSource(Path("/Library/Managed Preferences") / f"{BUNDLE_ID}.plist"),
                JsonFileSource(Path("/Library/Application Support/StudyTeddy/policy.json"))]
    return [JsonFileSource(Path("/etc/studyteddy/policy.json"))]


def _program_data() -> Path:
    """%ProgramData% as the system has it: the variable itself can be set by the student."""
    try:
        import ctypes
        import winreg

        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                            r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList") as key:
            folder, _kind = winreg.QueryValueEx(key, "ProgramData")
        buffer = ctypes.create_unicode_buffer(260)
        ctypes.windll.kernel32.GetSystemWindowsDirectoryW(buffer, 260)
        system_drive = buffer.value[:2] or "C:"
        return Path(str(folder).replace("%SystemDrive%", system_drive).replace("%SYSTEMDRIVE%", system_drive))
    except (ImportError, OSError, AttributeError):
        return Path(r"C:\ProgramData")


def load_policy(sources: Sequence[PolicySource | Path | str] | None = None) -> MachinePolicy:
    """The first policy found among `sources` (default: the system's places); never raises.

    An unreadable source is reported in `problems` and nothing of it applies; the search stops there,
    so a broken higher place is not silently replaced by a lower one.
    """
    for source in standard_sources() if sources is None else sources:
        if isinstance(source, (str, Path)):
            source = JsonFileSource(Path(source))
        try:
            values = source.read()
        except PolicyUnreadable as error:
            return with_problem(MachinePolicy(source=source.describe(), unusable=True),
                                f"{error}, so none of it applies")
        except Exception as error:  # a bug or an odd system must not stop the app from starting
            return with_problem(MachinePolicy(source=source.describe(), unusable=True),
                                f"it could not be read ({type(error).__name__}), so none of it applies")
        if values is not None:
            return policy_from_values(values, source=source.describe())
    return MachinePolicy()


@functools.cache
def system_policy() -> MachinePolicy:
    """The policy of this computer, read once per process."""
    return load_policy()
