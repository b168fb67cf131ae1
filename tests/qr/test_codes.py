"""QR codes, labels and sheets decode to the exact public URL; staff download them within their scope."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from qr import fonts
from qr.labels import LABELS_PER_PAGE, LabelData, label_data, label_png, sheet_pages, write_labels_pdf
from qr.render import qr_png, qr_svg
from qr.urls import public_url
from tests.conftest import ROOT
from tests.factories.registry import auth, make_authority, make_world
from tests.qr.qr_decode import decode, rasterise_svg_modules

BASE = "https://lift.example.gov.cn"


def sample_label(code: str = "abcdefghjkmnpqrs") -> LabelData:
    return LabelData(
        url=public_url(BASE, code),
        address="广州市天河区天河路 385 号太古汇一座",
        position="1 号客梯",
        device_code="31104401002019000101",
        rescue_code="44010",
        maintenance_unit="广州穗安电梯工程有限公司",
        emergency_phone="020-38889600",
    )


def test_public_url_is_base_plus_e_plus_code():
    assert (
        public_url("https://lift.example.gov.cn/", "abcd2345efgh6789")
        == "https://lift.example.gov.cn/e/abcd2345efgh6789"
    )


@pytest.mark.parametrize("bad", ["", "ab", "ABCDEFGH", "abc/../x", "a" * 33, "abc def", "码码码码"])
def test_public_url_refuses_anything_that_is_not_a_code(bad):
    with pytest.raises(ValueError):
        public_url(BASE, bad)


def test_png_qr_decodes_to_the_exact_url(tmp_path):
    url = public_url(BASE, "abcd2345efgh6789")
    assert decode(qr_png(url), tmp_path) == [url]


def test_svg_qr_decodes_to_the_exact_url(tmp_path):
    url = public_url(BASE, "zyxw2345efgh6789")
    svg = qr_svg(url).decode()
    assert svg.startswith("<svg") and "<path" in svg
    assert decode(rasterise_svg_modules(svg), tmp_path) == [url]


def test_label_is_300_dpi_and_decodes_to_the_exact_url(tmp_path):
    data = sample_label()
    png = label_png(data)
    image = Image.open(io.BytesIO(png))
    assert image.size == (709, 1063)  # 60 × 90 mm at 300 dpi
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
    assert decode(png, tmp_path) == [data.url]


def test_label_text_is_drawn_with_a_cjk_font():
    path = fonts.find_cjk_font()
    font = fonts.cjk_font(40)
    # A font without CJK glyphs draws every Chinese character as the same .notdef box.
    assert (
        font.getmask("维").getbbox() != font.getmask("码").getbbox()
        or font.getmask("维").tobytes() != font.getmask("码").tobytes()
    )
    assert path.suffix.lower() in (".ttc", ".ttf", ".otf")


def test_font_is_found_by_search_when_the_known_paths_are_absent(monkeypatch):
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ("/nonexistent/font.ttc",))
    assert "microhei" in fonts.find_cjk_font().name.lower() or "cjk" in fonts.find_cjk_font().name.lower()


def test_missing_font_fails_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("MINIBACK_QR_FONT", "/nonexistent/font.ttc")
    with pytest.raises(fonts.FontMissing, match="MINIBACK_QR_FONT"):
        fonts.find_cjk_font()
    monkeypatch.delenv("MINIBACK_QR_FONT")
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ())
    monkeypatch.setattr(fonts, "SEARCH_DIRS", ("/nonexistent",))
    with pytest.raises(fonts.FontMissing, match="fonts-wqy-microhei"):
        fonts.find_cjk_font()


def test_a4_sheet_holds_nine_labels_that_all_decode(tmp_path):
    labels = [sample_label(f"code{n:04d}abcdefgh") for n in range(11)]
    pages = list(sheet_pages(labels))
    assert len(pages) == 2
    assert pages[0].size == (2480, 3508)  # A4 at 300 dpi
    assert decode(pages[0], tmp_path) == sorted(label.url for label in labels[:LABELS_PER_PAGE])
    assert decode(pages[1], tmp_path) == sorted(label.url for label in labels[LABELS_PER_PAGE:])


def test_labels_pdf_has_one_page_per_nine_labels_and_reports_progress(tmp_path):
    out = tmp_path / "labels.pdf"
    seen: list[tuple[int, int]] = []
    pages = write_labels_pdf([sample_label()] * 19, out, lambda done, total: seen.append((done, total)))
    assert pages == 3
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 3
    assert seen == [(9, 19), (18, 19), (19, 19)]
    assert len(content) < 3 * 400_000  # bilevel, losslessly compressed pages


def test_label_data_carries_unit_emergency_phone_and_codes(app):
    world = make_world()
    elevator = world.elevators[0]
    elevator.position, elevator.rescue_code = "2 号客梯", "44099"
    data = label_data(elevator, BASE)
    assert data.url == f"{BASE}/e/{elevator.public_code}"
    assert (data.device_code, data.rescue_code, data.position) == (elevator.device_code, "44099", "2 号客梯")
    assert (data.maintenance_unit, data.emergency_phone) == (world.unit.name, "020-38889999")


def test_cli_prints_a_units_labels_as_pdf_with_progress(app, tmp_path):
    world = make_world()
    out = tmp_path / "unit.pdf"
    result = app.test_cli_runner().invoke(args=["qr", "labels", "--unit", str(world.unit.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "生成标签" in result.output and "2/2" in result.output
    assert f"已生成 {out}（1 页 A4）" in result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_refuses_an_unknown_unit(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["qr", "labels", "--unit", "999999", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "找不到维保单位 999999" in result.output


def test_admin_downloads_qr_png_that_decodes_to_public_url(client, app, tmp_path):
    app.config["PUBLIC_BASE_URL"] = BASE
    world = make_world()
    elevator = world.elevators[0]
    response = client.get(f"/api/v1/elevators/{elevator.id}/qr.png", headers=auth(world.admin))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(response.data, tmp_path) == [f"{BASE}/e/{elevator.public_code}"]


def test_technician_downloads_svg_and_label(client, app, tmp_path):
    app.config["PUBLIC_BASE_URL"] = BASE
    world = make_world()
    elevator = world.elevators[1]
    svg = client.get(f"/api/v1/elevators/{elevator.id}/qr.svg", headers=auth(world.tech1))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    url = f"{BASE}/e/{elevator.public_code}"
    assert decode(rasterise_svg_modules(svg.data.decode()), tmp_path) == [url]
    label = client.get(f"/api/v1/elevators/{elevator.id}/label.png", headers=auth(world.tech1))
    assert label.status_code == 200
    assert decode(label.data, tmp_path) == [url]


def test_qr_of_another_units_elevator_is_404(client):
    mine, other = make_world(), make_world()
    response = client.get(f"/api/v1/elevators/{other.elevators[0].id}/qr.png", headers=auth(mine.admin))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_qr_download_needs_log_in_and_a_staff_role(client):
    world = make_world()
    url = f"/api/v1/elevators/{world.elevators[0].id}/label.png"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(make_authority("regulator"))).status_code == 403


def test_mini_program_code_is_fetched_once_then_cached(client, wechat_stub):
    world = make_world()
    elevator = world.elevators[0]
    url = f"/api/v1/elevators/{elevator.id}/wxacode.png"
    first = client.get(url, headers=auth(world.admin))
    second = client.get(url, headers=auth(world.admin))
    assert first.status_code == second.status_code == 200
    assert first.data.startswith(b"\x89PNG") and second.data == first.data
    calls = wechat_stub.calls_to("/wxa/getwxacodeunlimit")
    assert len(calls) == 1
    assert calls[0]["body"]["scene"] == elevator.public_code


def test_mini_program_code_opens_the_registered_elevator_page_with_the_public_code_as_scene(client, wechat_stub):
    world = make_world()
    elevator = world.elevators[0]
    response = client.get(f"/api/v1/elevators/{elevator.id}/wxacode.png", headers=auth(world.admin))
    assert response.status_code == 200
    (call,) = wechat_stub.calls_to("/wxa/getwxacodeunlimit")
    assert call["body"]["scene"] == elevator.public_code
    assert call["body"]["page"] == "pages/elevator/index"
    # WeChat refuses (or opens the first page for) a page the mini-program does not register.
    app_json = json.loads((ROOT / "wechat" / "app.json").read_text("utf-8"))
    assert call["body"]["page"] in app_json["pages"]


def test_mini_program_code_is_fetched_again_when_the_page_setting_changes(app, client, wechat_stub):
    world = make_world()
    url = f"/api/v1/elevators/{world.elevators[0].id}/wxacode.png"
    assert client.get(url, headers=auth(world.admin)).status_code == 200
    app.config["WECHAT_WXACODE_PAGE"] = "pages/scan/index"
    assert client.get(url, headers=auth(world.admin)).status_code == 200
    assert client.get(url, headers=auth(world.admin)).status_code == 200
    pages = [call["body"]["page"] for call in wechat_stub.calls_to("/wxa/getwxacodeunlimit")]
    assert pages == ["pages/elevator/index", "pages/scan/index"]


def test_mini_program_code_failure_is_503_and_not_cached(client, wechat_stub):
    world = make_world()
    url = f"/api/v1/elevators/{world.elevators[0].id}/wxacode.png"
    wechat_stub.fail_next("/wxa/getwxacodeunlimit", errcode=45009)
    failed = client.get(url, headers=auth(world.admin))
    assert failed.status_code == 503
    assert failed.json["error"]["code"] == "wechat_unavailable"
    assert client.get(url, headers=auth(world.admin)).status_code == 200
    assert len(wechat_stub.calls_to("/wxa/getwxacodeunlimit")) == 2


def test_file_cache_keeps_the_code_for_the_demo(tmp_path):
    from qr.wxacode import FileBytesCache, wxa_code_png

    class Client:
        calls = 0

        class wxa:  # noqa: N801 - mimics wechatpy's attribute
            @staticmethod
            def get_wxa_code_unlimited(scene, page=None):
                Client.calls += 1
                return type("Response", (), {"content": b"\x89PNG\r\n\x1a\nfake"})()

    cache = FileBytesCache(tmp_path / "wxacode")
    assert wxa_code_png(Client, "abcd2345", cache) == wxa_code_png(Client, "abcd2345", cache)
    assert Client.calls == 1
    assert (tmp_path / "wxacode" / "abcd2345.png").is_file()
