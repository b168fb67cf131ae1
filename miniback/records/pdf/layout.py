"""The layout of a record PDF (维保记录单, A4 portrait) and of the inspector's bundle, with fpdf2.

Pure drawing: ``RecordDocument`` takes ``RecordSheet``s (``sheet.py``) and knows nothing of the database. Text is
set in the project's CJK font (``fonts.py``), of which only the glyphs used are embedded.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from fpdf.fonts import TTFFont
from PIL import UnidentifiedImageError

from miniback.records.calendar import SHANGHAI
from miniback.records.pdf import fonts
from miniback.records.pdf.sheet import RESULT_NAMES, SIGNOFF_STATE_NAMES, RecordSheet, Signoff

TITLE = "电梯维护保养记录单"
PRODUCER = "miniback 无纸化维保平台"
# Colours (RGB): headings, the table heads, the warning banners.
INK = (25, 25, 25)
MUTED = (110, 110, 110)
HEAD_FILL = (232, 238, 246)
SECTION_INK = (20, 60, 120)
WARN_FILL = (253, 236, 234)
WARN_INK = (170, 30, 20)
NOTE_FILL = (236, 246, 236)
NOTE_INK = (30, 100, 40)
QR_SIZE_MM = 30.0
SIGNATURE_BOX = (60.0, 24.0)
CHINESE_NUMERALS = "一二三四五六七八九十"


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "—"


def duration_text(seconds: int) -> str:
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours} 小时 {minute} 分 {second} 秒" if hours else f"{minute} 分 {second} 秒"


def _or_dash(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    fill: bool = False
    span: int = 1


@dataclass(frozen=True)
class TocEntry:
    sheet_id: int
    title: str
    page: int


class RecordDocument(FPDF):
    """An A4 document of one or more record sheets, with a running footer."""

    def __init__(self, *, title: str, subject: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts.install_font(self, fonts.common_font())
        self.family = fonts.FAMILY
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=16)
        self.set_title(title)
        self.set_subject(subject)
        self.set_creator(PRODUCER)
        self.set_producer(PRODUCER)
        self.set_lang("zh-CN")
        self.footer_text = ""
        self.set_font(self.family, size=9)
        self.toc: list[TocEntry] = []
        self.family_of: dict[int, str] = {}

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, self.footer_text, align=Align.L)
        self.set_x(self.l_margin)
        self.cell(0, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)
        self.set_text_color(*INK)

    # --- small pieces -------------------------------------------------------------------------------------------

    def _section(self, number: int, title: str) -> None:
        if self.will_page_break(14):
            self.add_page()
        self.ln(2.5)
        self.set_font(self.family, size=11)
        self.set_text_color(*SECTION_INK)
        self.cell(0, 6.5, f"{CHINESE_NUMERALS[number - 1]}、{title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*SECTION_INK)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_draw_color(0, 0, 0)
        self.set_text_color(*INK)
        self.set_font(self.family, size=9)
        self.ln(1.2)

    def _banner(self, text: str, fill: tuple[int, int, int], ink: tuple[int, int, int]) -> None:
        self.set_fill_color(*fill)
        self.set_text_color(*ink)
        self.set_font(self.family, size=10)
        self.multi_cell(0, 6, text, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
        self.set_fill_color(255, 255, 255)
        self.set_text_color(*INK)
        self.set_font(self.family, size=9)
        self.ln(1)

    def _wrap(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` (mm): at any character (Chinese has no spaces), but
        at a space when a Latin word would be cut."""
        assert isinstance(self.current_font, TTFFont)
        widths: dict[int, float] = self.current_font.cw
        per_unit = self.font_size / 1000
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used, last_space = "", 0.0, -1
            for char in paragraph:
                advance = widths[ord(char)] * per_unit
                if used + advance > width and line:
                    if char != " " and 0 < last_space < len(line) - 1 and char.isascii():
                        lines.append(line[:last_space])
                        line = line[last_space + 1 :]
                    else:
                        lines.append(line)
                        line = ""
                    used = sum(widths[ord(c)] for c in line) * per_unit
                    last_space = -1
                    if char == " " and not line:
                        continue
                if char == " ":
                    last_space = len(line)
                line += char
                used += advance
            lines.append(line)
        return lines

    def _grid(
        self,
        rows: Sequence[Sequence[Cell]],
        widths: Sequence[float],
        heading: Sequence[Cell] = (),
        line_height: float = 4.4,
    ) -> None:
        """A table whose rows grow to fit their text and break across pages (repeating ``heading``).

        ``widths`` are shares of the text width; a cell's ``span`` joins that many columns. Drawn with rectangles
        and text lines: fpdf2's own tables measure every cell twice and cost more than the rest of the page.
        """
        total = self.epw
        columns = [share * total for share in widths]
        pad_x, pad_y = 1.1, 0.7

        def laid(row: Sequence[Cell]) -> tuple[list[tuple[float, float, Cell, list[str]]], float]:
            placed, x, column = [], self.l_margin, 0
            for cell in row:
                width = sum(columns[column : column + cell.span])
                placed.append((x, width, cell, self._wrap(cell.text, width - 2 * pad_x)))
                x += width
                column += cell.span
            height = max(len(lines) for _x, _w, _c, lines in placed) * line_height + 2 * pad_y
            return placed, height

        def draw(placed: list[tuple[float, float, Cell, list[str]]], height: float) -> None:
            y = self.get_y()
            self.set_draw_color(150, 150, 150)
            self.set_line_width(0.15)
            for x, width, cell, lines in placed:
                if cell.fill:
                    self.set_fill_color(*HEAD_FILL)
                    self.rect(x, y, width, height, style="DF")
                else:
                    self.rect(x, y, width, height, style="D")
                for index, line in enumerate(lines):
                    if line:
                        self.text(x + pad_x, y + pad_y + index * line_height + line_height * 0.78, line)
            self.set_draw_color(0, 0, 0)
            self.set_y(y + height)

        head = laid(heading) if heading else None
        if head is not None:
            if self.will_page_break(head[1] + line_height * 2 + 2 * pad_y):
                self.add_page()
            draw(*head)
        for row in rows:
            placed, height = laid(row)
            if self.will_page_break(height):
                self.add_page()
                if heading:
                    draw(*laid(heading))
            draw(placed, height)

    def _fields(self, pairs: Sequence[tuple[str, str]], columns: int = 2) -> None:
        """Label–value pairs in a grid (``columns`` pairs per row); a long value takes the whole row."""
        label_share = 0.16 if columns == 2 else 0.22
        rows: list[list[Cell]] = []
        row: list[Cell] = []
        for label, value in pairs:
            if columns > 1 and len(value) > 26:
                if row:
                    rows.append(row + [Cell("", span=2)])
                rows.append([Cell(label, fill=True), Cell(value, span=3)])
                row = []
                continue
            row += [Cell(label, fill=True), Cell(value)]
            if len(row) == 2 * columns:
                rows.append(row)
                row = []
        if row:
            rows.append(row + [Cell("", span=2 * columns - len(row))])
        widths = [label_share, 0.5 - label_share] * columns if columns > 1 else [label_share, 1 - label_share]
        self._grid(rows, widths, line_height=4.8)

    def _table(self, headings: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[str]]) -> None:
        self._grid(
            [[Cell(value) for value in values] for values in rows],
            widths,
            heading=[Cell(heading, fill=True) for heading in headings],
        )

    def _qr(self, url: str, x: float, y: float, size: float) -> None:
        """The QR code as vector squares (one rectangle per dark run of a row): sharp at any print size."""
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
        code.add_data(url)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = size / len(matrix)
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        for row_index, row in enumerate(matrix):
            start = None
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    self.rect(x + start * module, y + row_index * module, (col_index - start) * module, module, "F")
                    start = None

    def _signature(self, png: bytes | None, caption: str, x: float, y: float) -> None:
        width, height = SIGNATURE_BOX
        self.set_draw_color(170, 170, 170)
        self.rect(x, y, width, height)
        self.set_draw_color(0, 0, 0)
        shown = False
        if png:
            try:
                self.image(io.BytesIO(png), x=x + 1, y=y + 1, w=width - 2, h=height - 2, keep_aspect_ratio=True)
                shown = True
            except (UnidentifiedImageError, ValueError, OSError):
                pass  # stored, hashed, but not a picture Pillow can read: the hash below still identifies it
        if not shown:
            self.set_xy(x, y + height / 2 - 2.5)
            self.set_text_color(*MUTED)
            self.cell(width, 5, "（签名图像无法显示）" if png else "（无签名图像）", align=Align.C)
            self.set_text_color(*INK)
        self.set_xy(x, y + height + 0.5)
        self.set_font(self.family, size=8)
        self.multi_cell(width, 4, caption, align=Align.L, wrapmode=WrapMode.CHAR)
        self.set_font(self.family, size=9)

    # --- a record sheet -----------------------------------------------------------------------------------------

    def _font_for(self, sheet: RecordSheet) -> None:
        """The common cut of the font, or the whole font for a sheet with a character the cut lacks."""
        chars = {ord(char) for text in sheet.texts() for char in text}
        if chars <= fonts.common_font().characters:
            self.family = fonts.FAMILY
            return
        if fonts.FULL_FAMILY not in self.fonts:
            fonts.install_font(self, fonts.full_font(), fonts.FULL_FAMILY)
        self.family = fonts.FULL_FAMILY

    def _at_page_top(self) -> bool:
        return self.page > 0 and abs(self.get_y() - self.t_margin) < 0.01

    def add_sheet(self, sheet: RecordSheet) -> None:
        self._font_for(sheet)
        self.footer_text = f"维保记录 #{sheet.record_id} · 内容哈希 {sheet.content_hash[:16]}…"
        if not self._at_page_top():
            self.add_page()
        self.toc.append(TocEntry(sheet.record_id, _toc_title(sheet), self.page_no()))
        self.family_of[sheet.record_id] = self.family
        self.start_section(f"#{sheet.record_id} {sheet.maintenance_day.isoformat()} {sheet.category}", level=0)
        top = self.get_y()
        self.set_font(self.family, size=16)
        self.cell(0, 9, TITLE, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, size=9.5)
        self.cell(
            0,
            5.5,
            f"记录编号 #{sheet.record_id}    {sheet.category}    维保日期 {sheet.maintenance_day.isoformat()}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*MUTED)
        self.set_font(self.family, size=8)
        self.cell(
            0,
            4.5,
            "依据 TSG T5002-2017《电梯维护保养规则》与广州市无纸化维保工作通知生成，记录提交后不可更改",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*INK)
        if sheet.verification_url:
            qr_x = self.w - self.r_margin - QR_SIZE_MM
            self._qr(sheet.verification_url, qr_x, top - 2, QR_SIZE_MM)
            self.set_xy(qr_x - 12, top - 2 + QR_SIZE_MM)
            self.set_font(self.family, size=7)
            self.cell(QR_SIZE_MM + 12, 3.5, "扫码核验本记录是否与上传时一致", align=Align.R)
            self.set_font(self.family, size=9)
        self.set_y(max(self.get_y(), top + QR_SIZE_MM + 4))
        self.set_x(self.l_margin)
        for corrected_by in sheet.superseded_by:
            self._banner(
                f"本记录已被更正：以更正记录 #{corrected_by} 为准（本记录保留备查，内容未被改动）", WARN_FILL, WARN_INK
            )
        if sheet.supersedes_id is not None:
            self._banner(f"本记录是对记录 #{sheet.supersedes_id} 的更正", NOTE_FILL, NOTE_INK)
        for note in sheet.notes:
            self._banner(note, NOTE_FILL, NOTE_INK)

        self._section(1, "电梯")
        self._fields(
            [
                ("设备代码", _or_dash(sheet.device_code)),
                ("注册代码", _or_dash(sheet.registration_code)),
                ("使用登记证编号", _or_dash(sheet.use_certificate_no)),
                ("应急救援识别码", _or_dash(sheet.rescue_code)),
                ("电梯类型", sheet.elevator_type),
                ("所在区", sheet.district),
                ("地址", sheet.address),
                ("安装位置", _or_dash(sheet.position)),
            ]
        )
        self._section(2, "使用单位与维保单位")
        self._fields(
            [
                ("使用单位", _or_dash(sheet.use_unit_name)),
                ("维保单位", sheet.maintenance_unit_name),
                ("维保单位电话", sheet.maintenance_unit_phone),
                ("24小时应急电话", sheet.maintenance_unit_emergency_phone),
            ]
        )
        self._section(3, "维保作业")
        self._fields(
            [
                ("维保类别", sheet.category),
                ("维保日期", sheet.maintenance_day.isoformat()),
                ("签到时间", local_time(sheet.check_in_at)),
                ("签退时间", local_time(sheet.check_out_at)),
                ("作业时长", duration_text(sheet.duration_seconds)),
                (
                    "签到/签退距离",
                    f"{_or_dash(sheet.check_in_distance_m)} 米 / {_or_dash(sheet.check_out_distance_m)} 米",
                ),
                ("设备端提交", local_time(sheet.device_submitted_at)),
                ("服务器接收", local_time(sheet.received_at)),
                ("逾期上传", "是（维保当日之后上传）" if sheet.late_upload else "否"),
                ("异常标记", "、".join(sheet.flags) if sheet.flags else "无"),
                ("数据来源", sheet.source),
                ("检查项目版本", sheet.template_version),
            ]
        )
        self._section(4, "维保人员")
        self._table(
            ["姓名", "角色", "作业人员证书编号"],
            [0.3, 0.3, 0.4],
            (
                [technician.name, technician.role, _or_dash(technician.certificate_no)]
                for technician in sheet.technicians
            ),
        )
        self._section(5, f"维保项目（{len(sheet.checklist)} 项）")
        self._table(
            ["序号", "编号", "维保项目", "维保基本要求", "结果", "说明与备注"],
            [0.06, 0.09, 0.2, 0.33, 0.08, 0.24],
            (_item_row(item) for item in sheet.checklist),
        )
        self._section(6, "增加项目、更换配件与发现隐患")
        if sheet.added_items:
            self._table(
                ["序号", "编号", "增加项目", "要求", "结果", "说明与备注"],
                [0.06, 0.09, 0.2, 0.33, 0.08, 0.24],
                (_item_row(item) for item in sheet.added_items),
            )
        else:
            self.cell(0, 5, "增加项目：无", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        if sheet.replaced_parts:
            self._table(
                ["更换配件", "型号", "数量"],
                [0.45, 0.35, 0.2],
                (
                    [_or_dash(part.get("name")), _or_dash(part.get("model")), _or_dash(part.get("quantity"))]
                    for part in sheet.replaced_parts
                ),
            )
        else:
            self.cell(0, 5, "更换配件：无", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        if sheet.hazards:
            self._table(
                ["发现隐患", "处理措施"],
                [0.5, 0.5],
                ([_or_dash(hazard.get("description")), _or_dash(hazard.get("action"))] for hazard in sheet.hazards),
            )
        else:
            self.cell(0, 5, "发现隐患：无", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.multi_cell(
            0, 5, f"备注：{_or_dash(sheet.remarks)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR
        )

        self._section(7, "签名")
        self._signatures(sheet)
        self._section(8, "事件记录")
        self._table(
            ["时间（北京时间）", "事件", "人员", "说明"],
            [0.22, 0.22, 0.16, 0.4],
            ([local_time(event.at), event.what, _or_dash(event.who), _or_dash(event.detail)] for event in sheet.events),
        )
        self._section(9, "完整性证明")
        self._proof(sheet)

    def _signatures(self, sheet: RecordSheet) -> None:
        if self.will_page_break(SIGNATURE_BOX[1] + 30):
            self.add_page()
        y = self.get_y() + 1
        names = "、".join(technician.name for technician in sheet.technicians)
        self._signature(
            sheet.technician_signature_png,
            f"维保人员签名（{names}）\n签名图像 SHA-256 {sheet.technician_signature_sha256[:16]}…",
            self.l_margin,
            y,
        )
        bottom = self.get_y()
        signoff = sheet.signoff
        if signoff is not None and signoff.signature_png is not None:
            self._signature(
                signoff.signature_png,
                f"使用单位安全管理人员签名（{_or_dash(signoff.signer_name)}）\n"
                f"签名图像 SHA-256 {(signoff.signature_sha256 or '')[:16]}…",
                self.l_margin + SIGNATURE_BOX[0] + 10,
                y,
            )
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 1.5)
        self._grid([[Cell(line)] for line in _signoff_text(signoff).split("\n")], [1.0], line_height=4.8)

    def _proof(self, sheet: RecordSheet) -> None:
        proof = sheet.proof
        pairs = [("内容哈希（SHA-256）", sheet.content_hash)]
        if proof is None:
            pairs.append(("账本条目", "尚未记入账本"))
        else:
            pairs += [
                ("账本条目", f"#{proof.entry_id}（本电梯哈希链第 {proof.chain_pos} 条）"),
                ("条目哈希", proof.entry_hash),
                ("前一条目哈希", proof.prev_hash),
            ]
            if proof.checkpoint_tree_size is None:
                pairs.append(("检查点", "尚未纳入检查点（每 5 分钟发布一次）"))
            else:
                pairs += [
                    ("默克尔树叶序号", str(proof.leaf_index)),
                    (
                        "包含本记录的检查点",
                        f"树大小 {proof.checkpoint_tree_size}，发布于 {local_time(proof.checkpoint_created_at)}",
                    ),
                    ("检查点根哈希", _or_dash(proof.checkpoint_root_hash)),
                ]
                mark = {True: "✓ ", False: "× ", None: ""}[proof.signature_verified]
                pairs.append(("检查点签名", f"{mark}{_or_dash(proof.signature_text)}"))
                if proof.signed_note:
                    pairs.append(("签名检查点（C2SP signed note）", proof.signed_note.rstrip("\n")))
        if sheet.verification_url:
            pairs.append(("核验地址（扫描右上角二维码）", sheet.verification_url))
        self._fields(pairs, columns=1)

    # --- the bundle ---------------------------------------------------------------------------------------------

    def add_cover(self, title: str, lines: Sequence[str], count: int) -> None:
        self.footer_text = title
        self.add_page()
        self.ln(30)
        self.set_font(self.family, size=20)
        self.multi_cell(0, 11, title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)
        self.set_font(self.family, size=11)
        for line in lines:
            self.multi_cell(0, 7, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
        self.ln(4)
        self.cell(0, 7, f"共 {count} 份维保记录", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, size=9)
        if count:
            self.add_page()
            self.insert_toc_placeholder(self._render_toc, pages=toc_pages(count))

    def _render_toc(self, pdf: FPDF, _outline: list[Any]) -> None:
        self.set_x(self.l_margin)
        self.set_font(fonts.FAMILY, size=14)
        self.cell(0, TOC_TITLE_MM, "目录", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for entry in self.toc:
            self.set_font(self.family_of.get(entry.sheet_id, fonts.FAMILY), size=9)
            link = self.add_link(page=entry.page)
            self.cell(self.epw - 16, TOC_ROW_MM, entry.title, link=link)
            self.cell(16, TOC_ROW_MM, str(entry.page), align=Align.R, link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# The ToC's pages are reserved before the records are drawn: rows of a fixed height, counted per page.
TOC_TITLE_MM = 9.0
TOC_ROW_MM = 5.8
_TOC_BODY_MM = 297 - 14 - 16 - 0.5


def toc_pages(count: int) -> int:
    first = int((_TOC_BODY_MM - TOC_TITLE_MM) // TOC_ROW_MM)
    others = int(_TOC_BODY_MM // TOC_ROW_MM)
    return 1 if count <= first else 1 + -(-(count - first) // others)


def _toc_title(sheet: RecordSheet) -> str:
    where = sheet.device_code or sheet.registration_code or sheet.address
    state = SIGNOFF_STATE_NAMES.get(sheet.signoff.state, "") if sheet.signoff else ""
    superseded = "（已更正）" if sheet.superseded_by else ""
    return f"#{sheet.record_id}  {sheet.maintenance_day.isoformat()}  {sheet.category}  {where}  {state}{superseded}"


def _item_row(item: Any) -> list[str]:
    notes = "；".join(text for text in (item.note, item.remark) if text)
    return [str(item.seq), item.code, item.item, item.requirement, RESULT_NAMES.get(item.result, item.result), notes]


def _signoff_text(signoff: Signoff | None) -> str:
    if signoff is None:
        return "使用单位签名确认：无（该电梯未登记使用单位）"
    lines = [f"使用单位签名确认：{SIGNOFF_STATE_NAMES.get(signoff.state, signoff.state)}"]
    if signoff.state == "signed" or signoff.signature_png is not None:
        lines.append(f"签字人：{_or_dash(signoff.signer_name)}，{local_time(signoff.decided_at)}")
    if signoff.default_deadline_at is not None:
        lines.append(f"默认确认：确认期限 {local_time(signoff.default_deadline_at)} 届满未签字亦未提出异议")
        lines.append(f"推送送达：{local_time(signoff.pushed_at)}")
        if signoff.consent:
            lines.append(signoff.consent)
    if signoff.state == "pending":
        lines.append(f"确认期限：{local_time(signoff.deadline_at)}")
    for objection in signoff.objections:
        lines.append(f"异议（{local_time(objection.at)}，{_or_dash(objection.who)}）：{_or_dash(objection.detail)}")
    for resolution in signoff.resolutions:
        lines.append(
            f"异议处理（{local_time(resolution.at)}，{_or_dash(resolution.who)}）：{_or_dash(resolution.detail)}"
        )
    if signoff.objection_open:
        lines.append("异议尚未处理")
    return "\n".join(lines)


def finish(pdf: FPDF) -> bytes:
    """The written document; its fonts' files are closed (each document opened its own)."""
    data = bytes(pdf.output())
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.close()
    return data


def render_document(title: str, subject: str, build: Callable[[RecordDocument], None]) -> bytes:
    pdf = RecordDocument(title=title, subject=subject)
    build(pdf)
    return finish(pdf)
