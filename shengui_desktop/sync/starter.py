"""The county's starter package (`.sgstart`): a new township's set-up in one file.

The county makes it for one township (services/office/starter.py): a ZIP of three entries,

* ``starter.json``: the manifest, readable without the code (format, version, the starter's
  id, when, the county's name, code and key fingerprint, the township's name and code, the
  payload's size and SHA-256);
* ``starter.sig``: the county's Ed25519 signature over the exact bytes of the manifest;
* ``starter.json.gz.enc``: the contents, gzip-compressed JSON encrypted with
  ChaCha20-Poly1305 under a key derived by scrypt (fixed parameters, in the manifest) from the
  one-time code printed for the cadre (or a passphrase the county chose): the county's
  certificate, the township (name, code, the site id its
  ledger takes), an enrolment secret, a summary (enterprises, profile, targets) and a full
  `.sgpkg` package from the county to that township, its payload encrypted to a one-time
  age identity carried beside it.

Opening checks, in order: the file, the manifest, the county's signature over it with the
public key it names (whose fingerprint it states), the payload's hash (a changed byte) — all
before the code is asked —, then the code (authenticated decryption: a wrong code), the
certificate inside (self-signed, the manifest's keys), the township (9 digits, of that
county). The township then imports the inner package like any county package.

Not age's passphrase mode: its reader refuses a work factor above what *this* machine
measures as about a second (times 16), so a starter made on a fast county computer could be
refused on a slow township laptop as if the code were wrong. The parameters here are fixed.

Enrolment: the county keeps the pending starter in `meta` (``starter_pending:<code>``). The
township's certificate carries the starter id and an HMAC of its body under the enrolment
secret (certificates.STARTER_KEY); the county's importer enrols the first package signed by
that key without ``--accept-new-site`` (:func:`enrolment`) and marks the starter used. The
one-key-per-code rule stands: a second key for the code is refused as any impostor is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ..domain.fingerprint import fingerprint
from ..errors import UserError
from . import certificates
from .errors import PackageRejected

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FORMAT = "sgstart"
VERSION = 1
SUFFIX = ".sgstart"
MANIFEST, SIGNATURE, PAYLOAD = "starter.json", "starter.sig", "starter.json.gz.enc"
NAMES = (MANIFEST, SIGNATURE, PAYLOAD)
LIMITS = {"file_bytes": 1024**3, "manifest_bytes": 64 * 1024, "signature_bytes": 1024,
          "plain_bytes": 4 * 1024**3, "gzip_ratio": 200}
# the one-time code: 20 characters in groups of five, without 0/O, 1/I/L (misread on paper)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP = 4, 5
MIN_PASSPHRASE = 8
PENDING = "starter_pending:"
# scrypt for the code's key: 128 MiB and about half a second; a reader accepts up to 2**20
KDF_N, KDF_R, KDF_P = 2**17, 8, 1
MAX_KDF_N = 2**20
FILTER = "乡镇初始包 (*.sgstart);;所有文件 (*)"


class StarterError(UserError):
    """A starter package that cannot be made or opened; the message says why, in Chinese."""


def new_code() -> str:
    """A fresh one-time code, e.g. ``K7M2Q-X9P4H-T8ABC-DEFGH`` (about 99 bits)."""
    chars = [secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP)]
    return "-".join("".join(chars[i:i + CODE_GROUP]) for i in range(0, len(chars), CODE_GROUP))


def normalise_code(text: str) -> str:
    """A typed code as it is encrypted under: capitals, without blanks and dashes."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def passphrase_for(kind: str, typed: str) -> str:
    """What the payload is encrypted under: a printed code normalised, a chosen passphrase
    exactly as typed (blanks at its ends removed)."""
    return normalise_code(typed) if kind == "code" else str(typed).strip()


def check_passphrase(text: str) -> str:
    text = str(text or "").strip()
    if len(text) < MIN_PASSPHRASE:
        raise StarterError(f"初始包密码至少需要{MIN_PASSPHRASE}个字符。")
    if any(ord(ch) < 32 or "\udc80" <= ch <= "\udcff" for ch in text):
        raise StarterError("初始包密码含有无法识别的字符，请重新输入。")
    return text


def derive_key(secret: str, kdf: dict) -> bytes:
    """The payload's 32-byte key from the code (or passphrase) and the manifest's `kdf`."""
    n, r, p = kdf["n"], kdf["r"], kdf["p"]
    return hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(kdf["salt"]), n=n, r=r, p=p,
                          maxmem=2 * 128 * r * n + 2**20, dklen=32)


@dataclass
class Sealed:
    manifest: dict
    manifest_bytes: bytes
    signature: str
    payload: bytes


def seal(ledger: Ledger, *, township: dict, contents: dict, kind: str, secret_text: str,
         starter_id: str) -> Sealed:
    """Encrypt `contents` under the code (or passphrase) and sign the manifest with this
    (county) ledger's key. `township`: name, area_code."""
    me = ledger.this_site()
    plain = json.dumps(contents, ensure_ascii=False).encode()
    packed = zlib.compressobj(6, zlib.DEFLATED, 31)
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf = {"name": "scrypt", "n": KDF_N, "r": KDF_R, "p": KDF_P, "salt": salt.hex()}
    key = derive_key(passphrase_for(kind, secret_text), kdf)
    payload = nonce + ChaCha20Poly1305(key).encrypt(nonce, packed.compress(plain) + packed.flush(),
                                                    starter_id.encode())
    manifest = {
        "format": FORMAT, "format_version": VERSION, "starter_id": starter_id,
        "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "county": {"name": me["name"], "area_code": me["area_code"], "fingerprint": me["fingerprint"],
                   "sign_public_key": me["sign_public_key"], "age_recipient": me["age_recipient"]},
        "township": {"name": township["name"], "area_code": township["area_code"]},
        "code": kind, "kdf": kdf,
        "payload": {"name": PAYLOAD, "encryption": "chacha20-poly1305", "compression": "gzip",
                    "content": "json", "size": len(payload),
                    "sha256": hashlib.sha256(payload).hexdigest()},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    return Sealed(manifest, manifest_bytes, certificates.sign(ledger, manifest_bytes), payload)


def write(path: Path, sealed: Sealed) -> Path:
    """Write the file under a temporary name beside it, then give it its name (an existing
    file of that name, which the person agreed to replace, is replaced only then). Readable
    by its owner only: it holds the township's enterprises."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem[:40]}.{uuid.uuid4().hex[:12]}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w") as zf:
                stamp = (2026, 1, 1, 0, 0, 0)
                zf.writestr(zipfile.ZipInfo(MANIFEST, stamp), sealed.manifest_bytes,
                            compress_type=zipfile.ZIP_DEFLATED)
                zf.writestr(zipfile.ZipInfo(SIGNATURE, stamp), sealed.signature.encode(),
                            compress_type=zipfile.ZIP_STORED)
                zf.writestr(zipfile.ZipInfo(PAYLOAD, stamp), sealed.payload,
                            compress_type=zipfile.ZIP_STORED)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@dataclass
class RawStarter:
    path: Path
    manifest_bytes: bytes
    manifest: dict
    signature: str
    payload: bytes

    @property
    def county(self) -> dict:
        return self.manifest["county"]

    @property
    def township(self) -> dict:
        return self.manifest["township"]


def _refuse(path: Path, why: str) -> StarterError:
    return StarterError(f"“{path.name}”{why}")


def read(path: Path) -> RawStarter:
    """The file's parts, or a refusal naming what it is instead (a sync package, a
    certificate, a backup, something else). Nothing is decrypted here."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise StarterError(f"找不到文件“{path}”。") from None
    except OSError as e:
        raise _refuse(path, f"无法读取：{e.strerror or e}。") from None
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "是文件夹，请选择县里给的 .sgstart 初始包文件。")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "不是普通文件，不是初始包。")
    if st.st_size > LIMITS["file_bytes"]:
        raise _refuse(path, "过大，不是初始包。")
    try:
        with open(path, "rb") as f, zipfile.ZipFile(f) as zf:
            names = [i.filename for i in zf.infolist()]
            if sorted(names) == sorted(("manifest.json", "manifest.sig", "payload.jsonl.gz.age")):
                raise _refuse(path, "是同步包（.sgpkg），不是县里制作的乡镇初始包。同步包请在“数据同步”页导入；"
                                    "新建乡镇台账需要县里在“乡镇与部门”页制作的初始包（.sgstart）。")
            if sorted(names) != sorted(NAMES):
                raise _refuse(path, "不是乡镇初始包（文件内容不符），可能是其他程序的文件。")
            parts = {}
            for info in zf.infolist():
                limit = {MANIFEST: LIMITS["manifest_bytes"], SIGNATURE: LIMITS["signature_bytes"],
                         PAYLOAD: LIMITS["file_bytes"]}[info.filename]
                if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                                      zipfile.ZIP_DEFLATED):
                    raise _refuse(path, "不是本程序制作的初始包。")
                with zf.open(info) as part:
                    data = part.read(limit + 1)
                if len(data) > limit:
                    raise _refuse(path, "中的数据过大，不是初始包。")
                parts[info.filename] = data
    except StarterError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise _refuse(path, _not_starter_text(path)) from None
    try:
        manifest = json.loads(parts[MANIFEST].decode("utf-8"))
        signature = parts[SIGNATURE].decode("ascii").strip()
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(path, "已损坏或被改动（清单无法读取），请县里重新制作。") from None
    _check_manifest(manifest, path)
    return RawStarter(path, parts[MANIFEST], manifest, signature, parts[PAYLOAD])


def _not_starter_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".json", ".cert"):
        return "是证书或其他文件，不是乡镇初始包（.sgstart）。"
    if suffix in (".sgdb", ".bak", ".keys"):
        return "是台账或备份文件，不是乡镇初始包；恢复备份请选“从备份恢复台账”。"
    return "已损坏或不是乡镇初始包（.sgstart）。请向县里重新拷贝。"


def _check_manifest(m: object, path: Path) -> None:
    def text(v: object) -> bool:
        return isinstance(v, str) and 0 < len(v) <= 200

    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise _refuse(path, "不是乡镇初始包。")
    if m.get("format_version") != VERSION:
        raise _refuse(path, f"的格式版本为{m.get('format_version')}，本程序不支持，请升级程序。")
    county, town, payload = m.get("county"), m.get("township"), m.get("payload")
    if not (text(m.get("starter_id")) and text(m.get("created_at")) and m.get("code") in ("code", "passphrase")
            and isinstance(county, dict) and all(text(county.get(k)) for k in (
                "name", "area_code", "fingerprint", "sign_public_key", "age_recipient"))
            and _kdf_ok(m.get("kdf"))
            and isinstance(town, dict) and all(text(town.get(k)) for k in ("name", "area_code"))
            and isinstance(payload, dict) and isinstance(payload.get("sha256"), str)
            and isinstance(payload.get("size"), int)):
        raise _refuse(path, "已损坏或被改动（清单不完整），请县里重新制作。")
    try:
        stated = fingerprint(county["sign_public_key"], county["age_recipient"])
    except Exception:  # noqa: BLE001 - a key that is no key
        stated = None
    if stated != county["fingerprint"]:
        raise _refuse(path, "已被改动或伪造（清单中的县级密钥与指纹不符），不能使用。")
    if not (town["area_code"].isascii() and town["area_code"].isdigit() and len(town["area_code"]) == 9):
        raise _refuse(path, f"是给“{town['name']}”（{town['area_code']}）的，它不是乡镇（街道）：初始包只用于新建乡镇台账，"
                            "县级台账请选“新建台账”。")


def _kdf_ok(kdf: object) -> bool:
    """scrypt with bounds this program accepts (no key derivation that would take minutes or
    all the memory: a hand-made file is refused before any work)."""
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        return False
    n, r, p, salt = kdf.get("n"), kdf.get("r"), kdf.get("p"), kdf.get("salt")
    return (isinstance(n, int) and 2**10 <= n <= MAX_KDF_N and n & (n - 1) == 0
            and isinstance(r, int) and 1 <= r <= 16 and isinstance(p, int) and 1 <= p <= 4
            and isinstance(salt, str) and len(salt) == 32
            and all(c in "0123456789abcdef" for c in salt))


def check_signature(raw: RawStarter) -> None:
    """The county's signature over the manifest, with the key the manifest names (its
    fingerprint checked on reading): a changed manifest is refused before the code is asked."""
    if not certificates.verify(raw.county["sign_public_key"], raw.manifest_bytes, raw.signature):
        raise _refuse(raw.path, "的签名验证失败：文件被改动或伪造，不能使用。请向县里重新拷贝。")


@dataclass
class Opened:
    """A starter package whose code was right and whose every check passed."""
    raw: RawStarter
    certificate: dict      # the county's certificate (verified body)
    township: dict         # name, area_code, site_id
    secret: str            # the enrolment secret (hex)
    summary: dict          # enterprises, profile {code, name, version}, targets, ...
    package_name: str      # the inner .sgpkg's file name
    package: bytes         # the inner .sgpkg file
    identity: str          # the one-time age identity its payload is encrypted to

    @property
    def starter_id(self) -> str:
        return self.raw.manifest["starter_id"]


def open_starter(raw: RawStarter, typed: str) -> Opened:
    """Check the payload, decrypt it with the typed code, check the county's certificate and
    signature. Each failure is a StarterError saying which (a changed file, a wrong code)."""
    path, m = raw.path, raw.manifest
    check_signature(raw)
    if len(raw.payload) != m["payload"]["size"] or \
            hashlib.sha256(raw.payload).hexdigest() != m["payload"]["sha256"]:
        raise _refuse(path, "的数据与清单中的摘要不符：文件被改动或已损坏，不能使用。请向县里重新拷贝。")
    if not str(typed or "").strip():
        raise StarterError("请输入县里给的初始码（或初始包密码）。")
    try:
        key = derive_key(passphrase_for(m["code"], typed), m["kdf"])
        packed = ChaCha20Poly1305(key).decrypt(raw.payload[:12], raw.payload[12:],
                                               m["starter_id"].encode())
    except InvalidTag:
        what = "初始码" if m["code"] == "code" else "初始包密码"
        hint = "（不区分大小写，可不输入短横线）" if m["code"] == "code" else "（区分大小写）"
        raise StarterError(f"{what}不正确，无法打开“{path.name}”。请核对县里给的{what}后重新输入{hint}。") from None
    except MemoryError:
        raise StarterError("本机可用内存不足，无法打开初始包：请关闭其他程序后重试。") from None
    except ValueError:
        raise _refuse(path, "已损坏，无法解密。请向县里重新拷贝。") from None
    try:
        d = zlib.decompressobj(31)
        plain = d.decompress(packed, min(LIMITS["plain_bytes"], LIMITS["gzip_ratio"] * len(packed) + 2**20))
        if d.unconsumed_tail or not d.eof:
            raise zlib.error("too large or truncated")
        contents = json.loads(plain)
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(path, "的内容已损坏，不能使用。") from None
    try:
        cert = contents["certificate"]
        body = certificates.verify_certificate(cert)
        town = contents["township"]
        package = _b64decode(contents["package"]["file"])
        opened = Opened(raw, body, {"name": str(town["name"]), "area_code": str(town["area_code"]),
                                    "site_id": str(town["site_id"])},
                        str(contents["secret"]), dict(contents.get("summary") or {}),
                        str(contents["package"]["name"]), package, str(contents["package"]["identity"]))
        bytes.fromhex(opened.secret)
    except certificates.CertificateError as e:
        raise _refuse(path, f"中的县级证书无效：{e}") from None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _refuse(path, "的内容不完整，不能使用。请县里重新制作。") from None
    if body["role"] != "county" or body["fingerprint"] != m["county"]["fingerprint"] \
            or body["sign_public_key"] != m["county"]["sign_public_key"] \
            or body["area_code"] != m["county"]["area_code"]:
        raise _refuse(path, "中的县级证书与清单不符：文件被改动或伪造，不能使用。")
    town = opened.township
    if (town["area_code"], town["name"]) != (m["township"]["area_code"], m["township"]["name"]) \
            or len(town["site_id"]) != 16 or any(c not in "0123456789abcdef" for c in town["site_id"]):
        raise _refuse(path, "的内容与清单不符：文件被改动或伪造，不能使用。")
    if not town["area_code"].startswith(body["area_code"][:6]):
        raise _refuse(path, f"中的乡镇代码{town['area_code']}不属于{body['name']}（{body['area_code']}），不能使用。")
    return opened


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


# -- the county's side of enrolment -------------------------------------------------------------
def pending(ledger: Ledger, area_code: str) -> dict | None:
    """The starter made for the township of `area_code` (the last one: a new one replaces
    the one before), used or not."""
    value = ledger.meta(PENDING + area_code)
    return json.loads(value) if value else None


def expect(ledger: Ledger, record: dict) -> None:
    """Remember a starter just made (inside the caller's transaction): the township's first
    package, signed by the key its ledger made when it opened this starter, enrols it."""
    ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                        (PENDING + record["area_code"], json.dumps(record, ensure_ascii=False)))


def enrolment(ledger: Ledger, raw) -> tuple[dict, dict] | None:
    """At a county, a package from an office not enrolled yet that proves it was set up from
    the starter this county made for its code: (the certificate body to pin, the starter
    record). None when the package makes no such claim or it names no starter made here
    (then a person enrols it by its fingerprint, as before). A claim that names this
    county's starter but fails a check (another site id, a proof that does not match, a
    starter used already) is refused: it is a copy of the starter in the wrong hands."""
    m, name = raw.manifest, raw.path.name
    cert = m.get("sender_certificate")
    if ledger.meta("role") != "county" or not isinstance(cert, dict) \
            or not isinstance(cert.get("starter"), dict):
        return None
    claim = m["sender"]
    record = pending(ledger, str(claim.get("area_code")))
    if record is None or record["starter_id"] != cert["starter"].get("starter_id"):
        return None
    who = f"“{claim['name']}”（{claim['area_code']}）"
    if record.get("used_at"):
        raise PackageRejected(
            "enrolled_other_key",
            f"“{name}”来自{who}，它用的初始包已于{record['used_at'][:16].replace('T', ' ')}被使用"
            f"（已登记指纹{record.get('used_fingerprint', '')}）：一个初始包只能登记一次，拒绝导入，台账未作任何修改。"
            "此文件可能出自初始包的副本（冒充者），请打电话给该乡镇核实。")
    body = certificates.verify_certificate(cert)
    proof = str(cert["starter"].get("proof", ""))
    if (body["site_id"] != record["site_id"] or body["area_code"] != record["area_code"]
            or body["role"] != "township" or body["site_id"] != claim["site_id"]
            or not hmac.compare_digest(certificates.starter_proof(record["secret"], body), proof)):
        raise PackageRejected("starter", f"“{name}”来自{who}，声称由本县制作的初始包建账，但凭据不符"
                                         "（文件被改动或伪造），拒绝导入，台账未作任何修改。")
    certificates.check_enrolment(ledger, body)
    if not certificates.verify(body["sign_public_key"], raw.manifest_bytes, raw.signature):
        raise PackageRejected("signature", f"“{name}”的签名验证失败（文件被改动或伪造），拒绝导入。")
    return body, record


def mark_used(ledger: Ledger, record: dict, body: dict, package_id: str) -> None:
    """The starter enrolled `body` (inside the import's transaction): it enrols nobody else."""
    used = {**record, "used_at": datetime.now().isoformat(timespec="seconds"),
            "used_fingerprint": body["fingerprint"], "used_package": package_id}
    expect(ledger, used)


def contents_json(*, certificate: dict, township: dict, secret: str, summary: dict,
                  package_name: str, package_file: bytes, identity: str) -> dict:
    """The encrypted part of a starter package (see the module's docstring)."""
    return {"certificate": certificate, "township": township, "secret": secret, "summary": summary,
            "package": {"name": package_name, "identity": identity,
                        "file": base64.b64encode(package_file).decode()}}


def new_secret() -> str:
    return secrets.token_hex(32)


__all__ = ["FORMAT", "Opened", "RawStarter", "StarterError", "SUFFIX", "contents_json", "enrolment",
           "expect", "mark_used", "new_code", "new_secret", "normalise_code", "open_starter",
           "pending", "read", "seal", "write"]
