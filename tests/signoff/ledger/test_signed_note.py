"""Checkpoints as C2SP signed notes: the exact bytes, the key id, and every way a note can fail to verify."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from signoff.ledger.signed_note import (
    Checkpoint,
    NoteError,
    log_key_from_private,
    open_note,
    parse_verifier_key,
    sign_note,
    signed_checkpoint_text,
    verify_signed_checkpoint,
)

NAME = "lift.example.test/ledger"
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture
def key():
    return log_key_from_private(NAME, ed25519.Ed25519PrivateKey.generate())


def raw_public(key) -> bytes:
    return key.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_a_signed_checkpoint_has_the_c2sp_layout_and_verifies_with_plain_primitives(key):
    note = signed_checkpoint_text(Checkpoint(NAME, 42, ROOT), key)
    body, signature_line = note.split("\n\n")
    assert body == f"{NAME}\n42\n{base64.b64encode(ROOT).decode()}"
    assert signature_line.startswith(f"\u2014 {NAME} ") and signature_line.endswith("\n")
    blob = base64.b64decode(signature_line.split(" ")[2])
    # key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], then the 64-byte Ed25519 signature over the body + "\n"
    assert blob[:4] == hashlib.sha256(NAME.encode() + b"\n\x01" + raw_public(key)).digest()[:4]
    assert len(blob) == 68
    key.public.verify(blob[4:], (body + "\n").encode())
    assert verify_signed_checkpoint(note, key) == Checkpoint(NAME, 42, ROOT)


def test_a_stored_checkpoint_row_is_signed_under_the_key_name_as_origin(key):
    class Row:
        tree_size = 7
        root_hash = ROOT.hex()

    assert verify_signed_checkpoint(signed_checkpoint_text(Row(), key), key) == Checkpoint(NAME, 7, ROOT)


def test_the_verifier_key_round_trips_and_names_its_key_id(key):
    vkey = key.verifier_key
    name, hex_id, encoded = vkey.split("+", 2)
    assert (name, hex_id) == (NAME, key.key_id.hex())
    assert base64.b64decode(encoded) == b"\x01" + raw_public(key)
    assert parse_verifier_key(vkey).public_bytes == raw_public(key)
    with pytest.raises(NoteError, match="密钥编号"):
        parse_verifier_key(f"{name}+00000000+{encoded}")
    with pytest.raises(NoteError):
        parse_verifier_key("no-plus-signs")


def test_a_changed_size_or_root_does_not_verify(key):
    note = signed_checkpoint_text(Checkpoint(NAME, 42, ROOT), key)
    with pytest.raises(NoteError, match="签名无效"):
        open_note(note.replace("\n42\n", "\n43\n", 1), key)
    forged_root = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
    with pytest.raises(NoteError, match="签名无效"):
        open_note(note.replace(base64.b64encode(ROOT).decode(), forged_root, 1), key)


def test_a_note_signed_by_another_key_of_the_same_name_is_refused(key):
    impostor = log_key_from_private(NAME, ed25519.Ed25519PrivateKey.generate())
    note = signed_checkpoint_text(Checkpoint(NAME, 42, ROOT), impostor)
    with pytest.raises(NoteError, match="没有日志密钥"):
        verify_signed_checkpoint(note, key)


def test_other_signers_lines_are_ignored_and_a_bad_line_of_ours_rejects(key):
    note = signed_checkpoint_text(Checkpoint(NAME, 42, ROOT), key)
    witness = log_key_from_private("witness.example", ed25519.Ed25519PrivateKey.generate())
    cosigned = note + sign_note(Checkpoint(NAME, 42, ROOT).text(), witness).split("\n\n")[1]
    assert verify_signed_checkpoint(cosigned, key).tree_size == 42
    body, line = note.split("\n\n")
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[-1] ^= 1
    tampered = f"{body}\n\n\u2014 {NAME} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="签名无效"):
        open_note(tampered, key)


@pytest.mark.parametrize(
    "text",
    ["", "no blank line\n", f"{NAME}\n42\n{base64.b64encode(ROOT).decode()}\n\n-- {NAME} AAAA\n"],
)
def test_malformed_notes_are_refused(key, text):
    with pytest.raises(NoteError):
        open_note(text, key)


def test_a_checkpoint_of_another_origin_is_refused(key):
    other = log_key_from_private("other.example/log", ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="来源"):
        signed_checkpoint_text(Checkpoint(NAME, 1, ROOT), other)


def test_a_verifier_key_whose_base64_holds_a_plus_sign_parses():
    # Fixed seeds, so the test is the same every run: the first whose verifier key's base64 holds a "+".
    seeds = (ed25519.Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32) for n in range(256))
    keys = (log_key_from_private(NAME, seed) for seed in seeds)
    key = next(key for key in keys if "+" in key.verifier_key.split("+", 2)[2])
    assert parse_verifier_key(key.verifier_key).key_id == key.key_id
