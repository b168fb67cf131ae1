"""Benchmark: a record's PDF against the same record's JSON detail, same run; and a 200-record bundle.

Seeds, through the API (the app's test client, real tokens, MariaDB), dumbwaiter records of 24 items each (the
20 half-monthly items of TSG T5002 appendix C plus 4 added ones), each signed by the technician and by the use
unit's manager (two signature images), and builds a checkpoint. Then times, in process:

- ``GET /api/v1/records/<id>/pdf`` (load, lay out, embed the CJK subset, sign with PAdES) against
  ``GET /api/v1/records/<id>`` (the JSON detail), alternating, and prints the ratio JSON/PDF (target ≥ 0.03: a PDF
  costs at most about 30 JSON views);
- ``GET /api/v1/records/bundle.pdf`` of the 200 records: seconds and the process's peak RSS (target ≤ 300 MB).

Ends with ``ratio=<JSON/PDF> target=0.03 ok|FAIL`` (FAIL also when the bundle's peak RSS is over its target).

    .venv/bin/python bench/record_pdf.py [--records 200] [--rounds 15]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymysql  # noqa: E402
from flask import Flask  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from miniback import create_app  # noqa: E402
from miniback.extensions import db  # noqa: E402
from miniback.models import utcnow  # noqa: E402

HOST = os.environ.get("MINIBACK_BENCH_DB_HOST", "127.0.0.1")
DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_record_pdf")
TARGET_RATIO = 0.03
TARGET_PEAK_MB = 300
ADDED_ITEMS = 4


def fresh_app() -> Flask:
    connection = pymysql.connect(host=HOST, user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    return create_app(
        {
            "ENV_MODE": "test",
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-with-enough-length-0000",
            "SQLALCHEMY_DATABASE_URI": f"mysql+pymysql://root@{HOST}/{DB_NAME}?charset=utf8mb4",
            "WECHAT_APPID": "wxbench",
            "WECHAT_SECRET": "bench",
            "WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
            "PUBLIC_BASE_URL": "https://lift.example.test",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        }
    )


def seed(app: Flask, count: int) -> tuple[list[int], dict[str, str], int]:
    """``count`` records of one dumbwaiter; returns their ids, the unit admin's auth header and the unit id."""
    from flask_migrate import upgrade

    from tests.factories.records import confirm_location, fill_all, point, start, submit
    from tests.factories.registry import auth, make_elevator, make_world
    from tests.factories.signatures import MANAGER_PAD, signature_b64

    with app.app_context():
        upgrade()
        world = make_world()
        elevator = make_elevator(world.admin, world.use_unit, elevator_type="dumbwaiter")
        db.session.commit()
        client = app.test_client()
        tech, headers = world.tech1, auth(world.tech1)
        confirm_location(client, tech, elevator)
        ids = []
        for number in range(count):
            draft = start(client, tech, elevator, "half_month", second_technician_id=world.tech2.id).json
            url = f"/api/v1/drafts/{draft['id']}"
            check_in = utcnow() - timedelta(minutes=41)
            client.post(f"{url}/check-in", json=point(check_in), headers=headers)
            fill_all(client, tech, draft)
            for added in range(ADDED_ITEMS):
                item = {"item": f"附加检查 {added + 1}", "requirement": "按制造单位要求", "result": "normal"}
                client.post(f"{url}/items", json=item, headers=headers)
            client.patch(url, json={"remarks": f"第 {number + 1} 次维保，运行良好"}, headers=headers)
            client.post(f"{url}/check-out", json=point(check_in + timedelta(minutes=40)), headers=headers)
            submitted = submit(client, tech, draft["id"], signature_b64(number))
            assert submitted.status_code == 201, submitted.json
            record_id = submitted.json["id"]
            signed = client.post(
                f"/api/v1/signoff/records/{record_id}/sign",
                json={"signature_png": signature_b64(number + 7, MANAGER_PAD)},
                headers=auth(world.manager),
            )
            assert signed.status_code in (200, 201), signed.json
            ids.append(record_id)
        from signoff.ledger.checkpoints import build_checkpoint

        build_checkpoint()
        headers = auth(world.admin)  # its token is committed with the checkpoint
        db.session.commit()
        return ids, headers, world.unit.id


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    app = fresh_app()
    started = time.perf_counter()
    ids, headers, unit_id = seed(app, args.records)
    print(f"seeded {len(ids)} records through the API in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    record_id = ids[len(ids) // 2]

    with app.app_context():
        detail = client.get(f"/api/v1/records/{record_id}", headers=headers)
        assert detail.status_code == 200 and len(detail.json["items"]) == 24, detail.json
        warm = client.get(f"/api/v1/records/{record_id}/pdf", headers=headers)
        assert warm.status_code == 200, warm.data[:300]
        images = sum(len(page.images) for page in PdfReader(io.BytesIO(warm.data)).pages)
        assert images == 2, images
        json_times, pdf_times = [], []
        for _ in range(args.rounds):
            for _ in range(5):
                began = time.perf_counter()
                assert client.get(f"/api/v1/records/{record_id}", headers=headers).status_code == 200
                json_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            assert client.get(f"/api/v1/records/{record_id}/pdf", headers=headers).status_code == 200
            pdf_times.append(time.perf_counter() - began)
        json_s, pdf_s = statistics.median(json_times), statistics.median(pdf_times)
        ratio = json_s / pdf_s
        print(f"record JSON detail: median {json_s * 1000:.1f} ms over {len(json_times)} requests")
        print(
            f"record PDF (24 items, 2 signature images, {len(warm.data) // 1024} KB, signed): "
            f"median {pdf_s * 1000:.1f} ms over {len(pdf_times)} requests"
        )

        day = date.fromisoformat(detail.json["maintenance_day"])
        query = {
            "maintenance_unit_id": unit_id,
            "date_from": (day - timedelta(days=2)).isoformat(),
            "date_to": (day + timedelta(days=2)).isoformat(),
        }
        before = peak_rss_mb()
        began = time.perf_counter()
        bundle = client.get("/api/v1/records/bundle.pdf", query_string=query, headers=headers)
        bundle_s = time.perf_counter() - began
        assert bundle.status_code == 200, bundle.data[:300]
        pages = len(PdfReader(io.BytesIO(bundle.data)).pages)
        peak = peak_rss_mb()
        print(
            f"bundle of {len(ids)} records: {bundle_s:.1f} s, {pages} pages, {len(bundle.data) / 1e6:.1f} MB, "
            f"peak RSS {peak:.0f} MB (before the bundle {before:.0f} MB; target ≤ {TARGET_PEAK_MB} MB)"
        )

    ok = ratio >= TARGET_RATIO and peak <= TARGET_PEAK_MB
    print(f"ratio={ratio:.3f} target={TARGET_RATIO} {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
