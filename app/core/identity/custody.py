"""Custody of the vault key: the OS keyring, or a passphrase.

The vault key is 32 random bytes. ``custody.json`` in the profile says who
holds it:

* ``keyring``: the OS keyring (Secret Service, Keychain, Credential
  Manager). Only real backends are accepted: ``keyring`` silently falls back
  to ``fail`` or ``null`` backends, and ``null`` accepts writes and returns
  nothing, which would lose the key. A written key is read back and compared
  before it is trusted.
* ``passphrase``: the key wrapped with ChaCha20-Poly1305 under a key derived
  by Argon2id. The parameters live in the file so they can be raised later.

Every change of ``custody.json`` is an atomic replace, so a killed process
leaves either the old or the new custody, each of which opens the vault.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.core.errors import InvalidInput, TesseraError
from app.core.fsutil import atomic_write_bytes

FORMAT: Final = "tessera-custody/1"
KEYRING_SERVICE: Final = "Tessera vault key"
KEY_BYTES: Final = 32

Custody = Literal["keyring", "passphrase"]

_ALLOWED_BACKENDS: Final = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)


class CustodyError(TesseraError):
    """Base of key custody problems."""


class KeyringUnavailable(CustodyError):
    def __init__(self, why: str) -> None:
        super().__init__(
            f"no usable OS keyring: {why}",
            hint="create the vault with a passphrase instead (`tessera init --passphrase`)",
        )


class KeyMissingFromKeyring(CustodyError):
    def __init__(self) -> None:
        super().__init__(
            "the OS keyring no longer holds this vault's key",
            hint="unlock the keyring, or restore the profile from a backup",
        )


class PassphraseRequired(CustodyError):
    def __init__(self) -> None:
        super().__init__(
            "this vault is protected by a passphrase",
            hint="enter it, or set TESSERA_PASSPHRASE for scripts",
        )


class WrongPassphrase(CustodyError):
    def __init__(self) -> None:
        super().__init__("wrong passphrase", hint="nothing was changed; try again")


class WeakPassphrase(CustodyError):
    def __init__(self) -> None:
        super().__init__("the passphrase is empty", hint="choose a passphrase of a few words")


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost; the floor is RFC 9106's second recommendation."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def check_floor(self) -> None:
        if self.memory_kib < 64 * 1024 or self.iterations < 3 or self.lanes < 1:
            raise InvalidInput("custody file asks for Argon2id parameters below the floor")
        if self.memory_kib > 4 * 1024 * 1024 or self.iterations > 64 or self.lanes > 64:
            raise InvalidInput("custody file asks for unreasonable Argon2id parameters")


DEFAULT_PARAMS: Final = Argon2Params()


@dataclass(frozen=True, slots=True)
class CustodyRecord:
    """What ``custody.json`` says."""

    vault_id: str
    custody: Custody
    wrapped: dict[str, Any] | None = None

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "custody": self.custody,
        }
        if self.wrapped is not None:
            body["wrapped"] = self.wrapped
        return json.dumps(body, indent=2, sort_keys=True).encode() + b"\n"


def new_vault_key() -> bytearray:
    return bytearray(secrets.token_bytes(KEY_BYTES))


def new_vault_id() -> str:
    return str(uuid.uuid4())


def zero(buffer: bytearray) -> None:
    """Overwrite a key buffer in place (Python cannot promise more)."""
    for index in range(len(buffer)):
        buffer[index] = 0


# --- the custody file -------------------------------------------------------


def read_record(path: Path) -> CustodyRecord:
    try:
        raw = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"the custody file {path.name} is unreadable or damaged") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InvalidInput(f"the custody file {path.name} has an unknown format")
    custody = raw.get("custody")
    vault_id = raw.get("vault_id")
    if custody not in ("keyring", "passphrase") or not isinstance(vault_id, str):
        raise InvalidInput(f"the custody file {path.name} is damaged")
    wrapped = raw.get("wrapped")
    if custody == "passphrase" and not isinstance(wrapped, dict):
        raise InvalidInput(f"the custody file {path.name} lacks the wrapped key")
    return CustodyRecord(vault_id=vault_id, custody=custody, wrapped=wrapped)


def write_record(path: Path, record: CustodyRecord) -> None:
    atomic_write_bytes(path, record.to_json())


# --- passphrase wrapping ----------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput("the custody file is damaged (bad encoding)")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise InvalidInput("the custody file is damaged (bad encoding)") from None


def _aad(vault_id: str, params: Argon2Params) -> bytes:
    return (
        f"{FORMAT}|{vault_id}|argon2id|{params.memory_kib}|{params.iterations}|{params.lanes}"
    ).encode()


def _derive(passphrase: str, salt: bytes, params: Argon2Params) -> bytearray:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return bytearray(kdf.derive(passphrase.encode("utf-8")))


def wrap_key(
    key: bytes | bytearray, passphrase: str, vault_id: str, params: Argon2Params = DEFAULT_PARAMS
) -> dict[str, Any]:
    """Encrypt the vault key under a passphrase-derived key."""
    if not passphrase:
        raise WeakPassphrase()
    params.check_floor()
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = _derive(passphrase, salt, params)
    try:
        wrapped = ChaCha20Poly1305(bytes(kek)).encrypt(nonce, bytes(key), _aad(vault_id, params))
    finally:
        zero(kek)
    return {
        "kdf": {
            "name": "argon2id",
            "memory_kib": params.memory_kib,
            "iterations": params.iterations,
            "lanes": params.lanes,
            "salt": _b64(salt),
        },
        "cipher": "chacha20-poly1305",
        "nonce": _b64(nonce),
        "key": _b64(wrapped),
    }


def unwrap_key(wrapped: dict[str, Any], passphrase: str, vault_id: str) -> bytearray:
    """Recover the vault key; :class:`WrongPassphrase` when it does not open."""
    kdf = wrapped.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise InvalidInput("the custody file names an unknown key derivation")
    if wrapped.get("cipher") != "chacha20-poly1305":
        raise InvalidInput("the custody file names an unknown cipher")
    try:
        params = Argon2Params(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("the custody file has damaged key derivation parameters") from None
    params.check_floor()
    salt, nonce, sealed = (
        _unb64(kdf.get("salt")),
        _unb64(wrapped.get("nonce")),
        _unb64(wrapped.get("key")),
    )
    if len(nonce) != 12 or len(salt) < 16:
        raise InvalidInput("the custody file is damaged (nonce or salt)")
    kek = _derive(passphrase, salt, params)
    try:
        key = bytearray(ChaCha20Poly1305(bytes(kek)).decrypt(nonce, sealed, _aad(vault_id, params)))
    except InvalidTag:
        raise WrongPassphrase() from None
    finally:
        zero(kek)
    if len(key) != KEY_BYTES:
        raise InvalidInput("the custody file holds a key of the wrong size")
    return key


# --- the OS keyring ---------------------------------------------------------


def usable_backend() -> Any:
    """The best allow-listed keyring backend that says it can run here.

    ``keyring.get_keyring()`` is not trusted: it can hand back the ``fail``
    or ``null`` backends, or whatever an environment variable chose. Its
    list of viable backends is cached for the process, so viability is asked
    afresh here (a session bus may come and go).
    """
    import importlib

    candidates: list[tuple[float, Any]] = []
    for qualified in sorted(_ALLOWED_BACKENDS):
        module_name, _, class_name = qualified.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
            priority = float(cls.priority)
        except Exception:  # noqa: S112 - a backend that cannot run here is skipped
            continue
        if priority > 0:
            candidates.append((priority, cls))
    if not candidates:
        raise KeyringUnavailable("no Secret Service, Keychain or Credential Manager answered")
    candidates.sort(key=lambda pair: pair[0], reverse=True)
    return candidates[0][1]()


def keyring_store(vault_id: str, key: bytes | bytearray) -> None:
    """Store the key, then read it back before trusting the keyring with it."""
    backend = usable_backend()
    encoded = _b64(bytes(key))
    try:
        backend.set_password(KEYRING_SERVICE, vault_id, encoded)
        echoed = backend.get_password(KEYRING_SERVICE, vault_id)
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring refused the key ({type(exc).__name__})") from None
    if echoed is None or not hmac.compare_digest(echoed.encode(), encoded.encode()):
        raise KeyringUnavailable("the keyring did not give the key back after storing it")


def keyring_load(vault_id: str) -> bytearray:
    backend = usable_backend()
    try:
        encoded = backend.get_password(KEYRING_SERVICE, vault_id)
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring could not be read ({type(exc).__name__})") from None
    if encoded is None:
        raise KeyMissingFromKeyring()
    key = bytearray(_unb64(encoded))
    if len(key) != KEY_BYTES:
        raise KeyMissingFromKeyring()
    return key


def keyring_delete(vault_id: str) -> None:
    """Forget the key; quietly succeeds when it is already gone."""
    try:
        backend = usable_backend()
        backend.delete_password(KEYRING_SERVICE, vault_id)
    except Exception:  # noqa: S110 - best effort: the entry may already be gone
        pass


def keyring_available() -> bool:
    """True when an allow-listed keyring stores and returns a probe secret."""
    probe_id = f"probe-{uuid.uuid4()}"
    try:
        keyring_store(probe_id, secrets.token_bytes(KEY_BYTES))
    except CustodyError:
        return False
    keyring_delete(probe_id)
    return True
