"""The CJK font a record PDF embeds (a subset of it), prepared so that one PDF costs milliseconds, not a second.

The project's CJK font (``qr.fonts.find_cjk_font``: WQY MicroHei from Debian by default) has some 50 000 glyphs,
and fpdf2 parses its big tables twice per document (to measure text, then to cut the embedded subset): about 0.8 s.
So, once per machine, the font is cut down to the characters of GB 2312 plus the ASCII and CJK punctuation
("common": about 7 700 glyphs, no layout or hinting tables), cached on disk, and a document whose text is all
within it uses that font; anything else (a rare character in a name or an address) uses the whole font, slower
but never a missing glyph. Within a process the measured font (widths, character map) is parsed once and copied
per document; only the table reads for the subset happen each time.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontTools
from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from qr.fonts import find_cjk_font

FAMILY = "cjk"
FULL_FAMILY = "cjk-full"  # added to a document only for a sheet with a character outside the common cut
# Tables a PDF viewer never reads from an embedded CID font (layout is done by the writer, hinting is optional).
_DROPPED_TABLES = ("GDEF", "GPOS", "GSUB", "vhea", "vmtx", "fpgm", "prep", "cvt ", "gasp", "FFTM", "DSIG")
_CUT_VERSION = "4"
_lock = threading.Lock()


def _common_characters() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes((high, low)).decode("gb2312")))
    chars |= set(range(0x2010, 0x2040)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    chars |= {0x2103, 0x2116, 0x2190, 0x2192, 0x2460, 0x25A0, 0x25A1, 0x25CB, 0x25CF, 0x2713, 0x2717}
    return chars


def _cache_dir() -> Path:
    return Path(os.environ.get("MINIBACK_PDF_FONT_CACHE") or Path(tempfile.gettempdir()) / "miniback-pdf-fonts")


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".cut-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _cut_font(source: Path) -> tuple[Path, Path]:
    """The common-character cut of ``source``, made once per machine (atomically: parallel workers agree), as
    two files with the same glyphs: one to measure text with, and one whose character map keeps only ASCII to cut
    each document's subset from (the map is the costliest table to parse, and an embedded CID font is addressed by
    glyph id: the PDF maps characters itself)."""
    stat = source.stat()
    key = f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{fontTools.version}|{_CUT_VERSION}"
    stem = f"common-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    measured, bare = _cache_dir() / f"{stem}.ttf", _cache_dir() / f"{stem}-bare.ttf"
    if measured.is_file() and bare.is_file():
        return measured, bare
    font = ttLib.TTFont(source, fontNumber=0, recalcTimestamp=False)
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.layout_features = []
    options.glyph_names = True  # the bare copy has no character map to name its glyphs from
    options.drop_tables += list(_DROPPED_TABLES)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=_common_characters())
    cutter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    for table in font["cmap"].tables:  # only ASCII left: enough for the subsetter's OS/2 bookkeeping
        table.cmap = {code: glyph for code, glyph in table.cmap.items() if code < 0x80}
    bare_buffer = io.BytesIO()
    font.save(bare_buffer)
    _write_atomically(bare, bare_buffer.getvalue())
    _write_atomically(measured, buffer.getvalue())
    return measured, bare


@dataclass(frozen=True)
class _Measured:
    """A font fpdf2 has parsed once: copied into each document (``TTFFont.__deepcopy__`` shares the big maps)."""

    path: Path
    embed_path: Path
    font: TTFFont
    characters: frozenset[int]


@lru_cache(maxsize=4)
def _measured(path: Path, embed_path: Path) -> _Measured:
    with _lock:
        scratch = FPDF()
        scratch.add_font(FAMILY, fname=str(path))
        font = scratch.fonts[FAMILY]
        assert isinstance(font, TTFFont)
        return _Measured(path, embed_path, font, frozenset(font.cmap))


def common_font() -> _Measured:
    return _measured(*_cut_font(find_cjk_font()))


def full_font() -> _Measured:
    path = find_cjk_font()
    return _measured(path, path)


def font_for(text_chars: set[int]) -> _Measured:
    """The common cut when it holds every character of the document, else the whole font."""
    common = common_font()
    return common if text_chars <= common.characters else full_font()


def install_font(pdf: FPDF, measured: _Measured, family: str = FAMILY) -> None:
    """Give ``pdf`` its own copy of the measured font, with a fresh font file handle for its subset.

    fpdf2 cuts the embedded subset out of the font object in place when the document is written, so each
    document needs its own ``TTFont``; the widths and the character map are shared, read-only.
    """
    font: TTFFont = copy.deepcopy(measured.font)
    font.i = len(pdf.fonts) + 1
    # recalcBBoxes=False: the subset keeps the glyphs as stored (unpacking each to re-measure it costs more than
    # everything else in the document).
    font.ttfont = ttLib.TTFont(measured.embed_path, fontNumber=0, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    font.subset = SubsetMap(font)
    font.fontkey = family
    pdf.fonts[family] = font
