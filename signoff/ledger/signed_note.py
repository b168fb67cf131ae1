"""Checkpoints as C2SP signed notes (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note), Ed25519.

A checkpoint's note text is three lines, each ending in a newline::

    <origin>
    <tree size, decimal>
    <root hash, standard base64>

followed by a blank line and one signature line per signer: ``— <key name> <base64(key id ‖ signature)>`` (an em
dash U+2014 and a space first). The signature covers the note text including its final newline. The key id is
the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key) — 0x01 is the Ed25519 signature type.
A verifier key is published as ``<key name>+<hex key id>+<base64(0x01 ‖ public key)>``, the form Go's
``golang.org/x/mod/sumdb/note`` and the transparency-dev witnesses read. Our key name is the log's origin.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, checkpoint or verifier key that is malformed, or whose signature does not verify (says why, Chinese)."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The signed body: origin, size, base64 root, any extension lines; each line newline-terminated."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True)
class LogKey:
    """The log's Ed25519 key under its name; ``private`` is None for a verifier (public key only)."""

    name: str
    public: ed25519.Ed25519PublicKey
    private: ed25519.Ed25519PrivateKey | None = None

    @property
    def public_bytes(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_bytes)

    @property
    def verifier_key(self) -> str:
        """``<name>+<hex key id>+<base64(0x01 ‖ public key)>``."""
        encoded = base64.b64encode(ED25519_TYPE + self.public_bytes).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def _check_name(name: str) -> None:
    if not name or any(char.isspace() or char == "+" for char in name):
        raise NoteError(f"密钥名称不能为空，也不能含空白或加号：{name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """The first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def log_key_from_private(name: str, private: ed25519.Ed25519PrivateKey) -> LogKey:
    _check_name(name)
    return LogKey(name, private.public_key(), private)


def parse_verifier_key(vkey: str) -> LogKey:
    """A published verifier key ``<name>+<hex key id>+<base64(0x01 ‖ key)>``, its key id checked."""
    parts = vkey.strip().split("+", 2)  # the name has no "+"; standard base64 may
    if len(parts) != 3:
        raise NoteError("验证公钥格式应为 <名称>+<密钥编号>+<base64 公钥>")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        expected_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise NoteError("验证公钥的编码无效") from None
    if len(raw) != 33 or raw[:1] != ED25519_TYPE:
        raise NoteError("验证公钥不是 Ed25519 公钥")
    if key_id(name, raw[1:]) != expected_id:
        raise NoteError("验证公钥的密钥编号与公钥不符")
    return LogKey(name, ed25519.Ed25519PublicKey.from_public_bytes(raw[1:]))


def sign_note(text: str, key: LogKey) -> str:
    """``text`` (newline-terminated, no blank line) signed by ``key``: the whole signed note."""
    if key.private is None:
        raise NoteError("没有私钥，无法签名")
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("签名正文须以换行结尾，且不含空行")
    signature = key.private.sign(text.encode())
    line = f"{SIGNATURE_PREFIX}{key.name} {base64.b64encode(key.key_id + signature).decode()}\n"
    return f"{text}\n{line}"


def open_note(note: str, key: LogKey) -> str:
    """The text of ``note`` if it carries a valid signature by ``key``; ``NoteError`` saying why otherwise.

    Signature lines of other keys are ignored (a witness's cosignature, say); a line of this key that does not
    verify rejects the note.
    """
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("不是签名文本：缺少空行或结尾换行")
    text, lines = note[: split + 1], note[split + 2 :].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("签名行数目不对")
    wanted = key.key_id
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"签名行格式错误：{line[:40]!r}")
        try:
            name, encoded = line[len(SIGNATURE_PREFIX) :].split(" ")
            blob = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise NoteError(f"签名行格式错误：{line[:40]!r}") from None
        if len(blob) < 5:
            raise NoteError("签名行太短")
        if name != key.name or blob[:4] != wanted:
            continue
        try:
            key.public.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise NoteError("签名无效：检查点文本被改动，或不是用该日志密钥签署的") from None
        return text
    raise NoteError(f"没有日志密钥 {key.name}（编号 {wanted.hex()}）的签名")


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("检查点至少应有三行：来源、条目数、根哈希")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size.startswith("0") and size != "0"):
        raise NoteError("检查点的条目数不是十进制数")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("检查点的根哈希不是 base64") from None
    if len(root_hash) != 32:
        raise NoteError("检查点的根哈希不是 32 字节")
    return Checkpoint(origin, int(size), root_hash, tuple(lines[3:-1]))


class TreeHead(Protocol):
    """A stored checkpoint (``LedgerCheckpoint`` or its row): the size and the hex root of the tree."""

    @property
    def tree_size(self) -> int: ...

    @property
    def root_hash(self) -> str: ...


def signed_checkpoint_text(checkpoint: Checkpoint | TreeHead, key: LogKey | None = None) -> str:
    """The signed note of ``checkpoint``, signed by ``key`` (default: the app's log key, ``logkey.log_key()``).

    A stored checkpoint is given the key's name as its origin; a ``Checkpoint``'s origin must be the key's name.
    """
    if key is None:
        from signoff.ledger.logkey import log_key

        key = log_key()
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = Checkpoint(key.name, int(checkpoint.tree_size), bytes.fromhex(checkpoint.root_hash))
    if checkpoint.origin != key.name:
        raise NoteError("检查点的来源须与日志密钥名称相同")
    return sign_note(checkpoint.text(), key)


def verify_signed_checkpoint(note: str, key: LogKey) -> Checkpoint:
    """The checkpoint a signed note carries, once its signature by ``key`` and its origin are checked."""
    checkpoint = parse_checkpoint(open_note(note, key))
    if checkpoint.origin != key.name:
        raise NoteError(f"检查点来源 {checkpoint.origin!r} 不是本日志 {key.name!r}")
    return checkpoint
