"""Ledger at scale: 1,000,000 entries on MariaDB — checkpoint build time, verify throughput, proof latency.

    .venv/bin/python bench/ledger_verify.py [--entries 1000000] [--database miniback_bench_ledger_1m] [--reuse]

``--reuse`` keeps a database seeded by an earlier run (same entry count, checkpoint over all of it) instead of
generating and building again; the checkpoint build time is then not measured.

Entries are bulk-generated straight into ``ledger_entry`` (valid chains over 20,000 elevators, as appends would
make them); the checkpoint builder then grows the Merkle tree, ``verify_ledger`` re-checks every chain link, tree
node and checkpoint root (the content re-hash of records/events is not included: there are no content rows), and
inclusion proofs are fetched through the API. Targets: verify ≥ 50,000 entries/s, proof p95 ≤ 20 ms.
Finally the signature-image pass of ``ledger verify`` (``signoff.ledger.blobs.rehash_blobs``) re-hashes ``--signatures``
stored images of 6 KB (reported, no target: it is bounded by reading the images).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time
from datetime import UTC, datetime

import pymysql
from flask_migrate import upgrade

from miniback import create_app
from miniback.extensions import db
from signoff.ledger import merkle
from signoff.ledger.blobs import rehash_blobs
from signoff.ledger.chain import entry_hash
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.verify import verify_ledger

VERIFY_TARGET = 50_000
PROOF_P95_TARGET_MS = 20.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--elevators", type=int, default=20_000)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "miniback_bench_ledger_1m"))
    parser.add_argument("--proofs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--signatures", type=int, default=10_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if it already holds exactly --entries entries and a checkpoint over all of them",
    )
    args = parser.parse_args()

    reuse = args.reuse and seeded(args.database, args.entries)
    if not reuse:
        connection = pymysql.connect(host="127.0.0.1", user="root")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{args.database}`")
            cursor.execute(f"CREATE DATABASE `{args.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        connection.close()
    app = create_app(
        {
            "ENV_MODE": "test",
            "SECRET_KEY": "bench-secret-key-with-enough-length-000",
            "SQLALCHEMY_DATABASE_URI": f"mysql+pymysql://root@127.0.0.1/{args.database}?charset=utf8mb4",
            "WECHAT_APPID": "wxbench",
            "WECHAT_SECRET": "bench",
            "WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
            # The proof endpoint's rate limiter counts in the bench's own Redis db; the bench is one client
            # asking hundreds of proofs, so its limit is lifted (the limiter's Redis round trip is still timed).
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "PROOF_RATE_LIMIT": "1000000 per minute",
        }
    )
    with app.app_context():
        upgrade()
        if reuse:
            print(f"reused database {args.database}: {args.entries} entries, checkpoint built (not re-timed)")
        else:
            started = time.perf_counter()
            generate(args.database, args.entries, args.elevators)
            print(f"generated entries={args.entries} seconds={time.perf_counter() - started:.1f}")

            started = time.perf_counter()
            added = 0
            while True:  # what the job does: bounded batches, one commit each
                result = build_checkpoint()
                db.session.commit()
                added += result.added
                if result.caught_up:
                    break
            build_seconds = time.perf_counter() - started
            print(
                f"checkpoint_build entries={added} seconds={build_seconds:.1f}"
                f" entries_per_s={added / build_seconds:.0f}"
            )
            assert result.checkpoint is not None and result.checkpoint.tree_size == args.entries

        report_time, cpu_time = time.perf_counter(), time.process_time()
        report = verify_ledger(content=False)
        verify_seconds = time.perf_counter() - report_time
        print(
            f"verify_cpu_seconds={time.process_time() - cpu_time:.1f} (this process; the rest is MariaDB and waiting)"
        )
        assert report.ok, report.problems[:3]
        rate = report.entries / verify_seconds
        print(f"verify entries={report.entries} seconds={verify_seconds:.1f} entries_per_s={rate:.0f}")

        client = app.test_client()
        rng = random.Random(7)
        latencies = []
        for _ in range(args.warmup):  # the verify pass just streamed everything through a small buffer pool
            client.get(f"/api/v1/ledger/entries/{rng.randint(1, args.entries)}/proof")
        for _ in range(args.proofs):
            entry_id = rng.randint(1, args.entries)
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/ledger/entries/{entry_id}/proof")
            latencies.append((time.perf_counter() - t0) * 1000)
            body = response.get_json()
            leaf = merkle.leaf_hash(bytes.fromhex(body["entry"]["entry_hash"]))
            proof = [bytes.fromhex(h) for h in body["inclusion_proof"]]
            root = bytes.fromhex(body["checkpoint"]["root_hash"])
            assert merkle.verify_inclusion(body["leaf_index"], body["checkpoint"]["tree_size"], leaf, proof, root)
        p95 = statistics.quantiles(latencies, n=20)[-1]
        print(
            f"proof_api warmup={args.warmup} requests={args.proofs}"
            f" p50_ms={statistics.median(latencies):.1f} p95_ms={p95:.1f}"
        )
        db.session.commit()
        seed_signatures(args.database, args.signatures)
        started = time.perf_counter()
        images, problems = rehash_blobs()
        blob_seconds = time.perf_counter() - started
        assert images == args.signatures and not problems, problems[:3]
        elapsed = max(blob_seconds, 1e-9)
        print(
            f"signature_rehash images={images} seconds={blob_seconds:.1f} images_per_s={images / elapsed:.0f}"
            f" MB_per_s={images * SIGNATURE_BYTES / 1e6 / elapsed:.0f}"
        )
        db.session.remove()
        db.engine.dispose()

    ok = rate >= VERIFY_TARGET and p95 <= PROOF_P95_TARGET_MS
    print(f"ratio={rate / VERIFY_TARGET:.2f} target=1.0 (verify {rate:.0f}/s vs {VERIFY_TARGET}/s)")
    print(f"ratio={PROOF_P95_TARGET_MS / p95:.2f} target=1.0 (proof p95 {p95:.1f} ms vs {PROOF_P95_TARGET_MS} ms)")
    print("ok" if ok else "FAIL")


def seeded(database: str, count: int) -> bool:
    """Whether ``database`` holds ``count`` entries, all in the tree, with a checkpoint over them (a finished seed)."""
    connection = pymysql.connect(host="127.0.0.1", user="root")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=%s AND table_name=%s",
                (database, "ledger_checkpoint"),
            )
            if cursor.fetchone() is None:
                return False
            cursor.execute(f"SELECT COUNT(*) FROM `{database}`.ledger_entry")
            entries = cursor.fetchone()[0]
            cursor.execute(f"SELECT COALESCE(MAX(tree_size), 0) FROM `{database}`.ledger_checkpoint")
            tree_size = cursor.fetchone()[0]
    finally:
        connection.close()
    return entries == count and tree_size == count


SIGNATURE_BYTES = 6_000


def seed_signatures(database: str, count: int) -> None:
    """``count`` stored signature images of ``SIGNATURE_BYTES`` (kept across ``--reuse`` runs when the count holds)."""
    connection = pymysql.connect(host="127.0.0.1", user="root", database=database, autocommit=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM signature_image")
        if cursor.fetchone()[0] == count:
            connection.close()
            return
        cursor.execute("SET SESSION foreign_key_checks = 0")
        cursor.execute("TRUNCATE TABLE signature_image")  # the table refuses DELETE (triggers)
        rng = random.Random(11)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        for _ in range(count):
            png = b"\x89PNG\r\n\x1a\n" + rng.randbytes(SIGNATURE_BYTES - 8)
            rows.append((hashlib.sha256(png).hexdigest(), png, 300, 120, len(png), now))
            if len(rows) == 500:
                cursor.executemany(SIGNATURE_SQL, rows)
                connection.commit()
                rows = []
        if rows:
            cursor.executemany(SIGNATURE_SQL, rows)
    connection.commit()
    connection.close()


SIGNATURE_SQL = (
    "INSERT INTO signature_image (sha256, content, width, height, size_bytes, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


def generate(database: str, count: int, elevators: int) -> None:
    """Valid chains written with multi-row INSERTs (what a long-running system would hold)."""
    connection = pymysql.connect(host="127.0.0.1", user="root", database=database, autocommit=False)
    heads: dict[int, tuple[int, str]] = {}
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    sql = (
        "INSERT INTO ledger_entry (id, elevator_id, chain_pos, kind, ref_id, content_hash, prev_hash, entry_hash,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for entry_id in range(1, count + 1):
            elevator = (entry_id * 7919) % elevators + 1
            pos, prev = heads.get(elevator, (0, "0" * 64))
            content = hashlib.sha256(entry_id.to_bytes(8, "big")).hexdigest()
            kind = "record" if entry_id % 3 else "event"
            link = entry_hash(elevator, pos + 1, kind, entry_id, content, prev)
            heads[elevator] = (pos + 1, link)
            rows.append((entry_id, elevator, pos + 1, kind, entry_id, content, prev, link, now))
            if len(rows) == 20_000:
                cursor.executemany(sql, rows)
                connection.commit()  # small transactions: the server is shared
                rows = []
        if rows:
            cursor.executemany(sql, rows)
        cursor.executemany(
            "INSERT INTO ledger_head (elevator_id, length, last_hash, updated_at) VALUES (%s, %s, %s, %s)",
            [(elevator, pos, h, now) for elevator, (pos, h) in heads.items()],
        )
    connection.commit()
    connection.close()


if __name__ == "__main__":
    main()
