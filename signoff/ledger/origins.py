"""``ledger verify``'s check of the evidence of origin of every record a platform uploaded (issue 15).

A record that came through the data interface is only as trustworthy as the chain from the platform's private key
to the record: the signed request kept whole (``platform_request``), the upload naming the item of that request
that made the record (``platform_upload``), and the record's canonical content naming the platform as its source.
For every production upload this pass checks each link again:

- the stored body still hashes to ``body_sha256``;
- the stored signature verifies (``signoff.ledger.origin``) over the string rebuilt from the stored method, path,
  timestamp, nonce and body, by the key ``key_id`` names, which must be that platform's (retired keys included: a
  key retired later still vouches for what it signed);
- the item at ``item_index`` in the body (a single upload: the body itself; a batch: ``body["records"][i]``) still
  has the canonical SHA-256 ``item_sha256`` (``item_sha256`` below, which the upload route uses too) and the
  platform's own id ``platform_ref``;
- the request, the upload and the record are all of one platform, and the record's canonical content says
  ``source = "platform:<code>"`` with its content hash the one the upload answered with.

And the other way round: a record whose source names a platform must have that platform's signed upload.

Plain DBAPI tuples a chunk at a time (``signoff.ledger.bulk``): uploads in id order, each chunk's requests and
records read with one ``IN`` query each. A request's body is parsed and its signature checked once, however many
of its items made records; only the digests of its items are kept once its chunk is done.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from miniback.extensions import db
from signoff.ledger.bulk import fetch_all
from signoff.ledger.hashing import content_hash
from signoff.ledger.origin import signature_valid, string_to_sign

SOURCE_PREFIX = "platform:"
# Uploads per chunk: a chunk's requests are held parsed at once (a batch of 100 records is one request, a single
# upload one request each; a single upload's body is one record with its signature image, tens of kB).
CHUNK = 1_000
# Requests whose item digests are kept after their chunk (a batch whose items straddle two chunks).
KEPT_REQUESTS = 5_000
# Requests read (bodies and all) per query: a batch's body is up to 8 MB, usually 1–2 MB.
REQUESTS_AT_ONCE = 20
# Where a kind's own id is in an uploaded item.
ID_FIELDS = {"record": "platform_record_id", "delay_notice": "platform_notice_id"}
UPLOADS_SQL = (
    "SELECT id, platform_client_id, kind, platform_ref, item_sha256, request_id, item_index, record_id,"
    " delay_notice_id, content_hash FROM platform_upload"
    " WHERE sandbox = 0 AND (record_id IS NOT NULL OR delay_notice_id IS NOT NULL) AND id > %s ORDER BY id LIMIT %s"
)
REQUESTS_SQL = (
    "SELECT id, platform_client_id, key_id, sandbox, method, path, signed_timestamp, nonce, body_sha256, signature,"
    " body FROM platform_request WHERE id IN ({marks})"
)
RECORDS_SQL = "SELECT id, content_hash, canonical_content FROM maintenance_record WHERE id IN ({marks})"
# MariaDB reads the source out of the canonical content where it is stored (NULL: none, or not JSON — then the
# content itself is read here to say which): only short strings cross the wire, not each record's whole content.
SOURCES_SQL = (
    "SELECT id, content_hash, JSON_VALUE(canonical_content, '$.source') FROM maintenance_record WHERE id IN ({marks})"
)
# Records saying a platform made them, with no production upload of theirs (forged around the interface).
UNVOUCHED_SQL = (
    "SELECT r.id, r.source FROM maintenance_record r"
    " LEFT JOIN platform_upload u ON u.record_id = r.id AND u.sandbox = 0"
    " WHERE r.source LIKE 'platform:%%' AND u.id IS NULL ORDER BY r.id LIMIT 20"
)
Progress = Callable[[str], None]


def item_sha256(item: Any) -> str:
    """The SHA-256 an upload keeps of its item: the canonical JSON (``signoff.ledger.hashing``) of the item as it
    was sent — ``json.loads`` of the raw request body, and for a batch its ``records[i]``, before any validation
    or conversion."""
    return content_hash(item)[1]


def is_batch(path: str) -> bool:
    """Whether the signed path is a batch route (its items are ``body["records"]``)."""
    return path.split("?", 1)[0].rstrip("/").endswith("/batch")


@dataclass
class _Request:
    """What is left of a verified request: the platform and mode it was sent in, what is wrong with its
    signature, and (index → (canonical SHA-256, the platform's id)) of the items its body holds."""

    platform_id: int
    sandbox: bool
    problems: list[str]
    items: dict[int, tuple[str, dict[str, object]]] | None  # None: the body is not the JSON it was
    reported: bool = False  # its own problems were named once (with its first upload), not with each item


def _items(path: str, body: bytes) -> dict[int, tuple[str, dict[str, object]]] | None:
    """index → (canonical SHA-256, the platform's ids it names) of each item the body holds."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    if is_batch(path):
        items = parsed.get("records") if isinstance(parsed, dict) else None
        if not isinstance(items, list):
            return None
    else:
        items = [parsed]
    found: dict[int, tuple[str, dict[str, object]]] = {}
    for index, item in enumerate(items):
        ids = {name: item[name] for name in ID_FIELDS.values() if isinstance(item, dict) and name in item}
        try:
            digest = item_sha256(item)
        except ValueError:  # NaN or Infinity: no canonical form (the upload would have been refused)
            digest = ""
        found[index] = (digest, ids)
    return found


def _check_request(row: Sequence[Any], keys: dict[str, tuple[int, str, str]], codes: dict[int, str]) -> _Request:
    request_id, platform_id, key_id, sandbox, method, path, timestamp, nonce, body_sha256, signature, body = row
    body = bytes(body or b"")
    problems = []
    if hashlib.sha256(body).hexdigest() != body_sha256:
        problems.append(f"签名请求 #{request_id} 的请求体与保存的 SHA-256 不符（请求体被改动）")
    key = keys.get(key_id)
    if key is None:
        problems.append(f"签名请求 #{request_id} 所用的密钥 {key_id} 不存在")
    elif key[0] != platform_id:
        owner = codes.get(key[0], f"#{key[0]}")
        problems.append(f"签名请求 #{request_id} 所用的密钥 {key_id} 属于另一平台（{owner}）")
    else:
        message = string_to_sign(method, path, timestamp, nonce, body)
        try:
            valid = signature_valid(key[1], key[2], message, signature)
        except (ValueError, binascii.Error):  # a stored key that no longer parses
            valid = False
        if not valid:
            problems.append(f"签名请求 #{request_id} 的签名无法用密钥 {key_id} 验证（签名或被签名的内容被改动）")
    return _Request(int(platform_id), bool(sandbox), problems, _items(path, body))


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def _record_source(canonical: object) -> tuple[bool, object]:
    """(whether the canonical content parses as a JSON object, its ``source``)."""
    try:
        content = json.loads(str(canonical))
    except ValueError:
        return False, None
    return isinstance(content, dict), content.get("source") if isinstance(content, dict) else None


def _records(record_ids: list[int]) -> dict[int, tuple[int, object, tuple[bool, object]]]:
    """id → (id, content hash, (canonical content parses, its source)) of each record still there."""
    if not record_ids:
        return {}
    marks = _marks(len(record_ids))
    if db.session.get_bind().dialect.name not in ("mysql", "mariadb"):
        rows = fetch_all(RECORDS_SQL.format(marks=marks), record_ids)
        return {int(row[0]): (int(row[0]), row[1], _record_source(row[2])) for row in rows}
    found: dict[int, tuple[int, object, tuple[bool, object]]] = {}
    unclear = []
    for record_id, digest, source in fetch_all(SOURCES_SQL.format(marks=marks), record_ids):
        found[int(record_id)] = (int(record_id), digest, (True, source))
        if source is None:
            unclear.append(int(record_id))
    if unclear:
        for row in fetch_all(RECORDS_SQL.format(marks=_marks(len(unclear))), unclear):
            found[int(row[0])] = (int(row[0]), row[1], _record_source(row[2]))
    return found


class _Pass:
    def __init__(self) -> None:
        self.keys = {
            str(key_id): (int(client), str(algorithm), str(pem))
            for key_id, client, algorithm, pem in fetch_all(
                "SELECT key_id, platform_client_id, algorithm, public_key_pem FROM platform_key"
            )
        }
        self.codes = {int(i): str(code) for i, code in fetch_all("SELECT id, code FROM platform_client")}
        self.requests: dict[int, _Request | None] = {}
        self.problems: list[str] = []

    def load_requests(self, ids: set[int]) -> None:
        wanted = sorted(ids - set(self.requests))
        if len(self.requests) > KEPT_REQUESTS:
            self.requests = {i: r for i, r in self.requests.items() if i in ids}
        for start in range(0, len(wanted), REQUESTS_AT_ONCE):
            part = wanted[start : start + REQUESTS_AT_ONCE]
            found = {int(row[0]): row for row in fetch_all(REQUESTS_SQL.format(marks=_marks(len(part))), part)}
            for request_id in part:
                row = found.get(request_id)
                self.requests[request_id] = _check_request(row, self.keys, self.codes) if row else None

    def check(self, uploads: list[tuple[Any, ...]]) -> None:
        self.load_requests({int(row[5]) for row in uploads})
        records = _records([int(row[7]) for row in uploads if row[7] is not None])
        for upload in uploads:
            self.problems += self.check_upload(upload, records)

    def check_upload(self, upload: tuple[Any, ...], records: dict[int, tuple[Any, ...]]) -> list[str]:
        upload_id, platform_id, kind, ref, item_digest, request_id, index, record_id, notice_id, digest = upload
        code = self.codes.get(int(platform_id), f"#{platform_id}")
        target = f"维保记录 #{record_id}" if record_id is not None else f"延期说明 #{notice_id}"
        name = f"{target}（平台 {code} 的上传 #{upload_id}，平台编号 {ref}）"
        problems: list[str] = []
        request = self.requests.get(int(request_id))
        if request is None:
            return [f"{name}: 签名请求 #{request_id} 不存在（来源凭据被删除）"]
        if request.platform_id != int(platform_id):
            other = self.codes.get(request.platform_id, f"#{request.platform_id}")
            problems.append(f"{name}: 签名请求 #{request_id} 是另一平台（{other}）发送的")
        if request.sandbox:
            problems.append(f"{name}: 签名请求 #{request_id} 是沙箱请求，不能产生正式记录")
        if not request.reported:
            problems += [f"{name}: {problem}" for problem in request.problems]
            request.reported = True
        if request.items is None:
            problems.append(f"{name}: 签名请求 #{request_id} 的请求体不是原来的 JSON")
        elif int(index) not in request.items:
            problems.append(f"{name}: 签名请求 #{request_id} 的请求体中没有第 {index} 项")
        else:
            sent_digest, sent_ids = request.items[int(index)]
            if sent_digest != item_digest:
                problems.append(f"{name}: 请求体第 {index} 项的规范 SHA-256 与上传时保存的不符")
            sent_ref = sent_ids.get(ID_FIELDS.get(str(kind), ID_FIELDS["record"]))
            if sent_ref != ref:
                problems.append(f"{name}: 请求体第 {index} 项的平台编号为 {sent_ref}，与上传记录不符")
        if record_id is not None:
            problems += self.check_record(name, code, digest, records.get(int(record_id)))
        return problems

    @staticmethod
    def check_record(name: str, code: str, digest: object, record: tuple[Any, ...] | None) -> list[str]:
        if record is None:
            return [f"{name}: 维保记录已从数据库中消失"]
        problems = []
        if digest is not None and record[1] != digest:
            problems.append(f"{name}: 维保记录的内容哈希与上传时答复的不符")
        parsed, source = record[2]
        if not parsed:
            problems.append(f"{name}: 维保记录的规范内容无法解析")
        elif source != SOURCE_PREFIX + code:
            problems.append(f"{name}: 维保记录的规范内容中来源为 {source}，应为 {SOURCE_PREFIX}{code}")
        return problems


def verify_origins(progress: Progress = lambda _: None) -> tuple[int, list[str]]:
    """Check the evidence of origin of every production upload; returns (uploads checked, problems), each problem
    naming the record (or delay notice), the platform and the upload."""
    progress("核对平台上传记录的来源凭据（签名请求、密钥、请求体中的条目）…")
    work = _Pass()
    checked, after = 0, 0
    while True:
        uploads = [tuple(row) for row in fetch_all(UPLOADS_SQL, (after, CHUNK))]
        if not uploads:
            break
        work.check(uploads)
        checked += len(uploads)
        if checked % 100_000 < len(uploads):
            progress(f"  已核对 {checked} 条平台上传")
        if len(uploads) < CHUNK:
            break
        after = uploads[-1][0]
    for record_id, source in fetch_all(UNVOUCHED_SQL):
        work.problems.append(f"维保记录 #{record_id}: 来源为 {source}，却没有该平台签名上传的凭据（绕过数据接口写入）")
    return checked, work.problems
