"""The unit's A4 label sheet as a download: its admin's (or the operator's), all its registered elevators or a
chosen few, one QR code per label pointing at the elevator's public page."""

from __future__ import annotations

from urllib.parse import quote

from miniback.api.qr import LABEL_SHEET_MAX
from miniback.extensions import db
from tests.factories.registry import auth, make_authority, make_elevator, make_world
from tests.qr.pdf_pages import pdf_page_images
from tests.qr.qr_decode import decode


def _url(unit_id, *elevator_ids):
    query = "&".join(f"elevator_id={elevator_id}" for elevator_id in elevator_ids)
    return f"/api/v1/maintenance-units/{unit_id}/labels.pdf" + (f"?{query}" if query else "")


def _pages(response, tmp_path):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.data)
    return pdf_page_images(path)


def test_admin_downloads_every_registered_elevator_of_the_unit_on_a4_pages(client, tmp_path):
    world = make_world()
    extra = [make_elevator(world.admin, world.use_unit) for _ in range(8)]  # 10 in all: two pages
    retired = make_elevator(world.admin, world.use_unit)
    retired.status = "decommissioned"
    db.session.commit()
    response = client.get(_url(world.unit.id), headers=auth(world.admin))
    pages = _pages(response, tmp_path)
    assert len(pages) == 2 and pages[0].size == (2480, 3508)
    found = decode(pages[0], tmp_path) + decode(pages[1], tmp_path)
    expected = [f"https://lift.example.test/e/{e.public_code}" for e in [*world.elevators, *extra]]
    assert sorted(found) == sorted(expected)  # every label's code, and none for the decommissioned elevator
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") or disposition.startswith("inline;")
    assert f"filename*=UTF-8''{quote(world.unit.name + '-电梯二维码标签.pdf')}" in disposition
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_chosen_elevators_only_and_the_operator_may_print_them_too(client, tmp_path):
    world = make_world()
    operator = make_authority("platform_operator")
    db.session.commit()
    chosen = world.elevators[1]
    response = client.get(_url(world.unit.id, chosen.id, chosen.id), headers=auth(operator))
    (page,) = _pages(response, tmp_path)
    assert decode(page, tmp_path) == [f"https://lift.example.test/e/{chosen.public_code}"]


def test_another_units_sheet_or_elevator_is_not_found(client):
    world, other = make_world(), make_world("越秀区")
    assert client.get(_url(other.unit.id), headers=auth(world.admin)).status_code == 404
    assert client.get(_url(999999999), headers=auth(world.admin)).status_code == 404
    foreign = client.get(_url(world.unit.id, world.elevators[0].id, other.elevators[0].id), headers=auth(world.admin))
    assert foreign.status_code == 404
    assert foreign.json["error"]["fields"] == {"elevator_id": str(other.elevators[0].id)}
    for account in (world.supervisor, world.tech1, world.uu_admin, make_authority("regulator")):
        assert client.get(_url(world.unit.id), headers=auth(account)).status_code == 403


def test_bad_or_too_many_elevator_ids_are_422_and_an_empty_unit_is_409(client):
    world = make_world()
    headers = auth(world.admin)
    bad = client.get(_url(world.unit.id, "abc"), headers=headers)
    assert bad.status_code == 422 and "elevator_id.0" in bad.json["error"]["fields"]
    too_many = client.get(_url(world.unit.id, *range(1, LABEL_SHEET_MAX + 2)), headers=headers)
    assert too_many.status_code == 422 and f"最多 {LABEL_SHEET_MAX} 项" in str(too_many.json["error"]["fields"])
    for elevator in world.elevators:
        elevator.status = "decommissioned"
    db.session.commit()
    empty = client.get(_url(world.unit.id), headers=headers)
    assert empty.status_code == 409 and empty.json["error"]["code"] == "no_elevators"


def test_a_unit_with_more_elevators_than_one_sheet_holds_is_told_to_print_in_batches(client, monkeypatch):
    import miniback.api.qr as qr_api

    world = make_world()
    monkeypatch.setattr(qr_api, "LABEL_SHEET_MAX", 1)
    response = client.get(_url(world.unit.id), headers=auth(world.admin))
    assert response.status_code == 422 and response.json["error"]["code"] == "too_many_labels"
    assert "本单位有 2 台在册电梯" in response.json["error"]["message"]
