"""A witness: keep the last signed checkpoint seen, and accept a newer one only with a consistency proof to it.

A regulator runs it on its own machine (``flask ledger witness --base-url https://… --state witness.json``) on
any schedule. The state file holds the pinned verifier key and the last signed checkpoint the witness accepted.
Each run fetches the latest signed checkpoint and
- checks its signature under the pinned key (a history re-signed with another key is refused);
- refuses a smaller tree (a rollback) and, at the same size, a different root (a fork);
- for a larger tree, checks the RFC 9162 consistency proof from the stored checkpoint's root to the new one: an
  operator who rewrote any entry the stored checkpoint covers — even one who also holds the log key — cannot
  produce it (a fork).
Only an accepted checkpoint replaces the stored one. A refused note is kept next to the state file as evidence:
with the stored one, two signed notes that cannot both be true.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from signoff.ledger import merkle
from signoff.ledger.signed_note import LogKey, NoteError, parse_verifier_key, verify_signed_checkpoint

Outcome = Literal["first", "unchanged", "advanced", "bad_signature", "rollback", "fork"]
PROBLEMS = ("bad_signature", "rollback", "fork")


class Source(Protocol):
    """Where the witness reads the log: the latest signed checkpoint, and consistency proofs between sizes."""

    def latest_signed_note(self) -> str: ...

    def consistency_proof(self, first: int, second: int) -> list[bytes]: ...


class CheckpointGone(LookupError):
    """The log no longer serves a checkpoint the witness holds."""


class HttpSource:
    """The platform's public proof API; ``get(path)`` returns ``(HTTP status, decoded JSON)`` of a GET (urllib by
    default)."""

    def __init__(self, base_url: str, get: Callable[[str], tuple[int, Any]] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.get = get or self._urllib_get

    def _urllib_get(self, path: str) -> tuple[int, Any]:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.base_url}{path}", timeout=30) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    def _json(self, path: str) -> Any:
        status, body = self.get(path)
        if status == 404:
            raise CheckpointGone(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {body}")
        return body

    def latest_signed_note(self) -> str:
        note = self._json("/api/v1/ledger/checkpoints/latest").get("signed_note")
        if not isinstance(note, str):
            raise NoteError("平台的最新检查点没有签名")
        return note

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        body = self._json(f"/api/v1/ledger/consistency?first={first}&second={second}")
        return [bytes.fromhex(h) for h in body["consistency_proof"]]


class DatabaseSource:
    """This installation's own database (the witness run on the platform's host, and the tests)."""

    def latest_signed_note(self) -> str:
        from signoff.ledger.checkpoints import checkpoint_for_proof

        latest = checkpoint_for_proof()
        if latest is None or latest["signed_note"] is None:
            raise NoteError("没有已签名的检查点")
        return str(latest["signed_note"])

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        from signoff.ledger.checkpoints import consistency_proof

        return [bytes.fromhex(h) for h in consistency_proof(first, second)]


@dataclass
class WitnessResult:
    outcome: Outcome
    message: str
    tree_size: int | None = None
    evidence: Path | None = None

    @property
    def ok(self) -> bool:
        return self.outcome not in PROBLEMS


@dataclass
class WitnessState:
    verifier_key: str
    signed_note: str | None = None

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["verifier_key"], data.get("signed_note"))

    def save(self, path: Path) -> None:
        temporary = path.with_name(f".{path.name}.tmp")
        text = json.dumps({"verifier_key": self.verifier_key, "signed_note": self.signed_note}, ensure_ascii=False)
        temporary.write_text(text + "\n", encoding="utf-8")
        os.replace(temporary, path)


def _keep_evidence(state_path: Path, note: str, outcome: str, size: int | str) -> Path:
    evidence = state_path.with_name(f"{state_path.name}.{outcome}-{size}.txt")
    evidence.write_text(note, encoding="utf-8")
    return evidence


def witness(state_path: Path, source: Source, verifier_key: str | None = None) -> WitnessResult:
    """One witness run (see the module's docstring). ``verifier_key`` pins the key on the first run; later runs
    use the stored one (a different one given is refused, so a swapped key cannot slip in)."""
    state = WitnessState.load(state_path)
    if state is None:
        if not verifier_key:
            raise NoteError("首次运行须给出平台的验证公钥（--vkey，见 /api/v1/ledger/log-key 与 docs/verify-proof.md）")
        state = WitnessState(verifier_key)
    elif verifier_key and verifier_key.strip() != state.verifier_key:
        raise NoteError("给出的验证公钥与见证副本中固定的不同；更换公钥须人工核实后新建见证副本")
    key: LogKey = parse_verifier_key(state.verifier_key)
    note = source.latest_signed_note()
    try:
        new = verify_signed_checkpoint(note, key)
    except NoteError as exc:
        evidence = _keep_evidence(state_path, note, "bad_signature", "latest")
        return WitnessResult("bad_signature", f"最新检查点的签名未通过核验：{exc}", evidence=evidence)
    if state.signed_note is None:
        state.signed_note = note
        state.save(state_path)
        return WitnessResult("first", f"已保存第一个检查点（{new.tree_size} 条）", new.tree_size)
    old = verify_signed_checkpoint(state.signed_note, key)
    if new.tree_size < old.tree_size:
        evidence = _keep_evidence(state_path, note, "rollback", new.tree_size)
        return WitnessResult(
            "rollback",
            f"账本被回退：最新检查点只有 {new.tree_size} 条，见证副本已有 {old.tree_size} 条",
            new.tree_size,
            evidence,
        )
    if new.tree_size == old.tree_size:
        if new.root_hash != old.root_hash:
            evidence = _keep_evidence(state_path, note, "fork", new.tree_size)
            return WitnessResult(
                "fork", f"分叉：同为 {new.tree_size} 条的两个已签名检查点根哈希不同", new.tree_size, evidence
            )
        return WitnessResult("unchanged", f"检查点未变（{new.tree_size} 条）", new.tree_size)
    try:
        proof = source.consistency_proof(old.tree_size, new.tree_size)
    except CheckpointGone:
        evidence = _keep_evidence(state_path, note, "fork", new.tree_size)
        return WitnessResult(
            "fork", f"平台已没有见证副本中 {old.tree_size} 条的检查点：此前的账本已被改写", new.tree_size, evidence
        )
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof):
        evidence = _keep_evidence(state_path, note, "fork", new.tree_size)
        return WitnessResult(
            "fork",
            f"分叉：{new.tree_size} 条的检查点不是见证副本中 {old.tree_size} 条检查点的延续（一致性证明不成立），"
            "此前的账本已被改写",
            new.tree_size,
            evidence,
        )
    state.signed_note = note
    state.save(state_path)
    return WitnessResult(
        "advanced", f"一致性证明成立：{old.tree_size} 条 → {new.tree_size} 条，已更新见证副本", new.tree_size
    )
