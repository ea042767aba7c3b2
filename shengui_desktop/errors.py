"""Errors whose message is shown to the user as it is (always Chinese)."""

import errno


class UserError(Exception):
    """An error caused by input or state the user can fix; the message is Chinese."""

    exit_code = 2


class WrongPassphrase(UserError):
    exit_code = 3


class LedgerDamaged(UserError):
    exit_code = 4


class ValidationError(UserError):
    """One or more field problems; `problems` maps a field name to a Chinese message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("；".join(problems.values()))


_ERRNO_TEXT = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "没有读写权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读（U盘是否写保护？）",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已有同名的文件，无法在此建立文件夹",
    errno.EIO: "读写出错（U盘是否已拔出？）",
    errno.EFBIG: "文件过大，超出磁盘或系统允许的大小",
    errno.EDQUOT: "磁盘空间配额已用完",
}


def os_error_message(e: OSError) -> str:
    """What went wrong with a file, in Chinese, naming the file."""
    what = _ERRNO_TEXT.get(e.errno, e.strerror or str(e))
    name = e.filename if e.filename is not None else ""
    return f"无法读写“{name}”：{what}" if name else f"文件读写失败：{what}"
