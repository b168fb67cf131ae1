"""The record PDF (维保记录单): every field read back from the PDF's text, the QR code decoded from the rendered
page and opened, corrections, scope, the embedded CJK subset and the platform's PAdES signature."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from miniback.extensions import db
from miniback.models import Elevator, MaintenanceUnit, UseUnit, utcnow
from miniback.records.calendar import SHANGHAI
from miniback.records.pdf.layout import render_document
from miniback.records.pdf.signing import DEFAULT_CERT_FILE, sign_pdf
from miniback.records.verification import verification_code_of, verification_url
from signoff.ledger.checkpoints import build_checkpoint
from tests.factories.record_pdf import full_record, pdf_text, qr_codes_on_first_page, squeezed
from tests.factories.records import point, submit, submitted_record
from tests.factories.registry import auth, make_maintenance_unit, make_staff, make_world


def local(iso: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def get_pdf(client, record_id, account):
    db.session.commit()
    return client.get(f"/api/v1/records/{record_id}/pdf", headers=auth(account))


@pytest.fixture
def world():
    return make_world()


def test_the_pdf_holds_every_field_of_the_record(client, world):
    record = full_record(client, world)
    response = get_pdf(client, record["id"], world.supervisor)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = squeezed(pdf_text(response.data))

    elevator = db.session.get(Elevator, record["elevator_id"])
    unit = db.session.get(MaintenanceUnit, record["maintenance_unit_id"])
    use_unit = db.session.get(UseUnit, record["use_unit_id"])
    expected = {
        "title": "电梯维护保养记录单",
        "record id": f"记录编号#{record['id']}",
        "device code": elevator.device_code,
        "registration code": elevator.registration_code,
        "use certificate": elevator.use_certificate_no,
        "rescue code": elevator.rescue_code,
        "address": elevator.address,
        "type": "曳引与强制驱动电梯",
        "use unit": use_unit.name,
        "maintenance unit": unit.name,
        "emergency phone": unit.emergency_phone,
        "category": "季度维保",
        "day": f"维保日期{record['maintenance_day']}",
        "check-in": local(record["check_in"]["at"]),
        "check-out": local(record["check_out"]["at"]),
        "duration": f"{record['duration_seconds'] // 60}分{record['duration_seconds'] % 60}秒",
        "distance": f"{record['check_in']['distance_m']}米/{record['check_out']['distance_m']}米",
        "first technician (full name)": world.tech1.name,
        "second technician (full name)": world.tech2.name,
        "remarks": "整体运行良好，已提醒物业清理地坎",
        "part": "LED灯管T5-14W2",
        "hazard": "轿门地坎有异物卡阻已清理并告知物业",
        "late upload": "逾期上传否",
        "flags": "异常标记无",
        "signoff": "使用单位签名确认：已签字确认",
        "manager": world.manager.name,
        "content hash": record["content_hash"],
        "verification url": verification_url(verification_code_of(record["id"])),
    }
    for field, value in expected.items():
        assert value and squeezed(str(value)) in text, field
    for item in record["items"]:
        row = f"{item['seq']}{item['code']}{item['item']}{item['requirement']}"
        assert squeezed(row) in text, item["code"]
    assert squeezed("5A-1-05") in text and "调整制动间隙调整至0.5mm" in text
    assert "不适用本梯无此装置" in text and "有隐患轿门地坎有异物卡阻" in text
    assert "X-01轿厢照明照明正常更换更换LED灯管" in text  # the added item, in its own table
    # The event trail, with times: check-in, check-out, submission, push and the manager's signature.
    for event in ("签到", "签退", "提交记录", "使用单位签字确认"):
        assert event in text, event
    # Two signature images: the technician's and the manager's.
    images = [image for page in PdfReader(io.BytesIO(response.data)).pages for image in page.images]
    assert len(images) == 2


def test_the_pdf_names_its_ledger_entry_and_the_signed_checkpoint_that_includes_it(client, world):
    record = full_record(client, world)
    proof = client.get(f"/api/v1/ledger/records/{record['id']}/proof").json
    text = squeezed(pdf_text(get_pdf(client, record["id"], world.admin).data))
    assert f"账本条目#{proof['entry']['id']}" in text
    assert proof["entry"]["entry_hash"] in text
    assert f"默克尔树叶序号{proof['leaf_index']}" in text
    assert f"树大小{proof['checkpoint']['tree_size']}" in text
    assert proof["checkpoint"]["root_hash"] in text
    assert "✓由平台日志密钥" in text  # the checkpoint's signed note was checked against the log key
    assert "—" in text and "C2SPsignednote" in text


def test_the_qr_code_on_the_printed_page_opens_the_records_verification_page(client, world):
    record = full_record(client, world)
    data = get_pdf(client, record["id"], world.manager).data
    (url,) = qr_codes_on_first_page(data)
    assert url == verification_url(verification_code_of(record["id"]))
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "✓" in page.get_data(as_text=True)


def test_a_superseded_record_says_so_and_names_its_correction(client, world):
    record = submitted_record(client, world.tech1, world.elevators[0])
    headers = auth(world.tech1)
    correction = client.post(f"/api/v1/records/{record['id']}/corrections", json={}, headers=headers).json
    url = f"/api/v1/drafts/{correction['id']}"
    client.post(f"{url}/check-in", json=point(utcnow() - timedelta(minutes=30)), headers=headers)
    client.post(f"{url}/check-out", json=point(utcnow()), headers=headers)
    corrected = submit(client, world.tech1, correction["id"])
    assert corrected.status_code == 201
    build_checkpoint()
    db.session.commit()
    original = squeezed(pdf_text(get_pdf(client, record["id"], world.supervisor).data))
    assert f"本记录已被更正：以更正记录#{corrected.json['id']}为准" in original
    newer = squeezed(pdf_text(get_pdf(client, corrected.json["id"], world.supervisor).data))
    assert f"本记录是对记录#{record['id']}的更正" in newer and "已被更正" not in newer


def test_only_readers_of_the_record_get_its_pdf(client, world):
    record = submitted_record(client, world.tech1, world.elevators[0])
    _other_unit, other_admin = make_maintenance_unit()
    outsider = make_staff(other_admin, "technician", None, "王外人")
    for reader in (world.tech1, world.supervisor, world.admin, world.manager, world.uu_admin):
        assert get_pdf(client, record["id"], reader).status_code == 200, reader.role
    for stranger in (other_admin, outsider):
        response = get_pdf(client, record["id"], stranger)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert get_pdf(client, 987654321, world.admin).status_code == 404
    assert client.get(f"/api/v1/records/{record['id']}/pdf").status_code == 401


def test_the_cjk_font_is_embedded_as_a_subset(client, world):
    record = submitted_record(client, world.tech1, world.elevators[0])
    reader = PdfReader(io.BytesIO(get_pdf(client, record["id"], world.admin).data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    (name, descriptor) = next(iter(fonts.items()))
    assert name.startswith("/MPDFAA+")  # a subset tag
    embedded = descriptor["/FontFile2"].get_object().get_data()
    assert 2_000 < len(embedded) < 400_000  # the glyphs used, not the 5 MB font


def test_a_name_outside_the_common_characters_still_prints(client, world):
    """喆 and 堃 are not in GB 2312: the sheet falls back to the whole font instead of printing boxes."""
    rare = make_staff(world.admin, "technician", world.team1, "陈喆堃")
    db.session.commit()
    record = submitted_record(client, rare, world.elevators[0])
    text = pdf_text(get_pdf(client, record["id"], world.admin).data)
    assert "陈喆堃" in text


def test_the_pdf_carries_the_platforms_pades_signature(client, world, app):
    record = submitted_record(client, world.tech1, world.elevators[0])
    data = get_pdf(client, record["id"], world.admin).data
    certificate = load_cert_from_pemder(app.config["PDF_SIGNING_CERT_PATH"])
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES

    # One changed byte inside the signed range (the record id on page 1 of the content) breaks it.
    tampered = bytearray(data)
    at = data.index(b"/Title")
    tampered[at + 8] ^= 0x01
    (broken,) = PdfFileReader(io.BytesIO(bytes(tampered)), strict=False).embedded_signatures
    assert not validate_pdf_signature(broken, ValidationContext(trust_roots=[certificate])).intact


def test_outside_production_a_self_signed_document_key_is_made_once_in_the_instance_folder(tmp_path):
    from miniback import create_app
    from tests.conftest import test_config

    config = test_config(PDF_SIGNING_KEY_PATH=None, PDF_SIGNING_CERT_PATH=None)
    apps = []
    for _ in range(2):
        app = create_app(config)
        app.instance_path = str(tmp_path)
        apps.append(app)
    signed = []
    for app in apps:
        with app.app_context():
            signed.append(sign_pdf(render_document("t", "s", lambda pdf: pdf.add_cover("测试", [], 0))))
    certificate = load_cert_from_pemder(str(tmp_path / DEFAULT_CERT_FILE))
    for data in signed:
        (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate]))
        assert status.intact and status.valid and status.trusted
