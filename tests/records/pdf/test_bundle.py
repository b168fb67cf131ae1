"""The inspector's bundle: one elevator's or one maintenance unit's records over a period, one signed PDF with a
table of contents; the reader's scope; bad ranges refused; the CLI with progress."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from miniback.extensions import db
from miniback.records.pdf import bundle
from signoff.ledger.checkpoints import build_checkpoint
from tests.factories.record_pdf import pdf_text, squeezed
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_maintenance_unit, make_world


@pytest.fixture
def records(client):
    world = make_world()
    first = [submitted_record(client, world.tech1, world.elevators[0]) for _ in range(3)]
    other = submitted_record(client, world.tech2, world.elevators[1])
    build_checkpoint()
    db.session.commit()
    return world, first, other


def get_bundle(client, account, **params):
    db.session.commit()
    return client.get("/api/v1/records/bundle.pdf", query_string=params, headers=auth(account))


def period(day: str) -> dict[str, str]:
    middle = date.fromisoformat(day)
    return {"date_from": (middle - timedelta(days=1)).isoformat(), "date_to": (middle + timedelta(days=1)).isoformat()}


def test_an_elevators_bundle_has_a_table_of_contents_and_every_record_oldest_first(client, records):
    world, first, other = records
    inspector = make_authority("inspector")
    response = get_bundle(client, inspector, elevator_id=world.elevators[0].id, **period(first[0]["maintenance_day"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = squeezed(pdf_text(response.data))
    assert "目录" in text and "共3份维保记录" in text
    outline = [item.title for item in reader.outline]
    assert [title.split()[0] for title in outline] == [f"#{record['id']}" for record in first]
    for record in first:
        assert record["content_hash"] in text
    assert other["content_hash"] not in text
    # The contents page lists each record with the page its sheet starts on.
    contents = squeezed(reader.pages[1].extract_text())
    starts = [reader.get_destination_page_number(item) + 1 for item in reader.outline]
    for record, page in zip(first, starts, strict=True):
        assert f"#{record['id']}" in contents and str(page) in contents
        assert f"记录编号#{record['id']}" in squeezed(reader.pages[page - 1].extract_text())
    (signature,) = PdfFileReader(io.BytesIO(response.data)).embedded_signatures
    assert validate_pdf_signature(signature, ValidationContext(allow_fetching=False)).intact


def test_a_units_bundle_holds_what_the_reader_may_see_and_no_more(client, records):
    world, first, other = records
    params = {"maintenance_unit_id": world.unit.id, **period(first[0]["maintenance_day"])}
    text = squeezed(pdf_text(get_bundle(client, world.admin, **params).data))
    assert all(record["content_hash"] in text for record in [*first, other])
    # A district regulator elsewhere, and another unit's admin, see none of it: 404, not an empty bundle.
    elsewhere = make_authority("regulator", "越秀区")
    _unit, other_admin = make_maintenance_unit()
    for stranger in (elsewhere, other_admin):
        response = get_bundle(client, stranger, **params)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    # Technicians and managers read records one at a time in the mini-program; bundles are for the desk roles.
    assert get_bundle(client, world.tech1, **params).status_code == 403


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "bundle_range_reversed"),
        ({"date_from": "2020-01-01", "date_to": "2026-03-01"}, "bundle_range_too_long"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-02", "both": True}, "bundle_subject"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-02", "neither": True}, "bundle_subject"),
        ({"date_from": "2026-03-01"}, "validation_error"),
        ({"date_from": "2026-03-01", "date_to": "tomorrow"}, "validation_error"),
    ],
)
def test_bad_bundle_ranges_are_refused_with_a_clear_error(client, records, params, code):
    world, _first, _other = records
    params = dict(params)
    subject = {"elevator_id": world.elevators[0].id}
    if params.pop("both", False):
        subject["maintenance_unit_id"] = world.unit.id
    if params.pop("neither", False):
        subject = {}
    response = get_bundle(client, world.admin, **subject, **params)
    assert response.status_code == 422, response.data[:200]
    assert response.json["error"]["code"] == code


def test_a_bundle_over_the_limit_is_refused_before_anything_is_drawn(client, records, monkeypatch):
    world, first, _other = records
    assert bundle.MAX_BUNDLE_RECORDS == 500
    monkeypatch.setattr(bundle, "MAX_BUNDLE_RECORDS", 2)
    drawn = []
    monkeypatch.setattr(bundle, "load_sheets", lambda records: drawn.append(records) or [])
    params = {"elevator_id": world.elevators[0].id, **period(first[0]["maintenance_day"])}
    response = get_bundle(client, world.admin, **params)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "bundle_too_large" and "2 份" in response.json["error"]["message"]
    assert drawn == []


def test_the_cli_writes_the_bundle_with_progress(app, client, records, tmp_path):
    world, first, _other = records
    out = tmp_path / "bundle.pdf"
    runner = app.test_cli_runner()
    days = period(first[0]["maintenance_day"])
    args = ["records", "bundle", "--unit", str(world.unit.id), "--from", days["date_from"], "--to", days["date_to"]]
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已排版 4/4 份记录" in result.output and "已写入" in result.output
    assert len(PdfReader(out).outline) == 4

    as_other = runner.invoke(args=[*args, "--as", "nobody-here", "--out", str(out)])
    assert as_other.exit_code == 1 and "找不到账号" in as_other.output
    reversed_range = ["records", "bundle", "--unit", str(world.unit.id), "--from", "2026-03-02", "--to", "2026-03-01"]
    refused = runner.invoke(args=[*reversed_range, "--out", str(tmp_path / "x.pdf")])
    assert refused.exit_code == 1 and "结束日期不能早于开始日期" in refused.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_cli_writes_a_new_document_key_pair_and_never_overwrites_one(app, tmp_path):
    from miniback.records.pdf.signing import load_signer

    runner = app.test_cli_runner()
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    result = runner.invoke(args=["records", "document-key-new", str(key), str(cert)])
    assert result.exit_code == 0, result.output
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert load_signer(key, cert).signing_cert is not None
    again = runner.invoke(args=["records", "document-key-new", str(key), str(cert)])
    assert again.exit_code == 1 and "已存在" in again.output
