"""A record with everything a record PDF shows, and helpers to read PDFs back (pypdf text, the QR on page 1)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from pypdf import PdfReader

from miniback.extensions import db
from miniback.models import Elevator, utcnow
from signoff.ledger.checkpoints import build_checkpoint
from tests.factories.records import confirm_location, fill_all, point, start, submit
from tests.factories.registry import UnitWorld, auth
from tests.factories.signatures import MANAGER_PAD, signature_b64


def full_record(client: FlaskClient, world: UnitWorld, elevator: Elevator | None = None) -> dict[str, Any]:
    """A quarterly record by two technicians with adjusted, not-applicable and hazard items, an added item,
    replaced parts, hazards and remarks, signed by the use unit's manager and included in a checkpoint."""
    elevator = elevator or world.elevators[0]
    elevator.registration_code = f"R{elevator.device_code}"[:32]
    elevator.use_certificate_no = f"梯11粤A{elevator.id:05d}(19)"
    elevator.rescue_code = f"{44000 + elevator.id}"
    elevator.position = "1 号客梯"
    db.session.commit()
    tech = world.tech1
    headers = auth(tech)
    confirm_location(client, tech, elevator)
    draft = start(client, tech, elevator, "quarter", second_technician_id=world.tech2.id).json
    url = f"/api/v1/drafts/{draft['id']}"
    assert (
        client.post(f"{url}/check-in", json=point(utcnow() - timedelta(minutes=42)), headers=headers).status_code == 200
    )
    assert fill_all(client, tech, draft).status_code == 200
    results = [
        {"code": "A-1-05", "result": "adjusted", "remark": "制动间隙调整至 0.5 mm"},
        {"code": "A-2-03", "result": "not_applicable", "note": "本梯无此装置"},
        {"code": "A-1-10", "result": "hazard", "note": "轿门地坎有异物卡阻"},
    ]
    assert client.put(f"{url}/results", json={"results": results}, headers=headers).status_code == 200
    added = {"item": "轿厢照明", "requirement": "照明正常", "result": "replaced", "remark": "更换 LED 灯管"}
    assert client.post(f"{url}/items", json=added, headers=headers).status_code == 201
    patch = {
        "remarks": "整体运行良好，已提醒物业清理地坎",
        "replaced_parts": [{"name": "LED 灯管", "model": "T5-14W", "quantity": 2}],
        "hazards": [{"description": "轿门地坎有异物卡阻", "action": "已清理并告知物业"}],
    }
    assert client.patch(url, json=patch, headers=headers).status_code == 200
    assert (
        client.post(f"{url}/check-out", json=point(utcnow() - timedelta(minutes=1)), headers=headers).status_code == 200
    )
    submitted = submit(client, tech, draft["id"], signature_b64(3))
    assert submitted.status_code == 201, submitted.json
    record_id = submitted.json["id"]
    signed = client.post(
        f"/api/v1/signoff/records/{record_id}/sign",
        json={"signature_png": signature_b64(5, MANAGER_PAD)},
        headers=auth(world.manager),
    )
    assert signed.status_code in (200, 201), signed.json
    build_checkpoint()
    db.session.commit()
    detail = client.get(f"/api/v1/records/{record_id}", headers=headers)
    assert detail.status_code == 200
    result: dict[str, Any] = detail.json
    return result


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Text without any whitespace: a value the layout wrapped over two lines still reads as one."""
    return "".join(text.split())


def qr_codes_on_first_page(data: bytes) -> list[str]:
    """Render page 1 (``pdftoppm``) and decode its QR codes (``zbarimg``): what a phone camera would read."""
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: .ci/services.sh installs poppler-utils and zbar-tools"
    with tempfile.TemporaryDirectory() as folder:
        pdf_path = Path(folder) / "record.pdf"
        pdf_path.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf_path), str(Path(folder) / "page")],
            check=True,
        )
        (image,) = Path(folder).glob("page*.png")
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
        assert decoded.returncode == 0, decoded.stderr
        return [line for line in decoded.stdout.splitlines() if line]
