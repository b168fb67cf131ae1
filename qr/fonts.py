"""The CJK font labels are drawn with. Without one, Chinese would print as empty boxes, so it is an error."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# Debian's fonts-wqy-microhei first (installed by .ci/services.sh), then other common CJK fonts.
KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
SEARCH_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
NAME_HINTS = ("microhei", "zenhei", "notosanscjk", "notosanssc", "sourcehansans")


class FontMissing(RuntimeError):
    """No CJK font is installed."""


def find_cjk_font() -> Path:
    """The font file to use: ``MINIBACK_QR_FONT`` if set, a known path, or the first CJK font found by name."""
    override = os.environ.get("MINIBACK_QR_FONT")
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"MINIBACK_QR_FONT={override} 不存在")
        return Path(override)
    for known in KNOWN_PATHS:
        if Path(known).is_file():
            return Path(known)
    for folder in SEARCH_DIRS:
        if not os.path.isdir(folder):
            continue
        for root, _dirs, files in os.walk(folder):
            for name in sorted(files):
                if name.lower().endswith((".ttc", ".ttf", ".otf")) and any(h in name.lower() for h in NAME_HINTS):
                    return Path(root) / name
    raise FontMissing(
        "找不到中文字体，无法生成二维码标签。请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei）"
        "或设置 MINIBACK_QR_FONT 为一个中文字体文件"
    )


@lru_cache(maxsize=16)
def cjk_font(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_cjk_font()), size_px)
