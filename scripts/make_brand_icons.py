"""Draw the integration's brand images: a white snowflake on a rounded blue square.

Writes custom_components/kumo_momit/brand/icon.png (256x256) and icon@2x.png (512x512), and
logo.png / logo@2x.png: the same mark beside the words "Kumo & Momit", 256 and 512 px high
(Home Assistant's brand rules: a logo's shortest side 128-256 px, 256-512 px at @2x). The
words are in the mark's blue, which reads on light and dark backgrounds alike.
Run with the project venv: `.venv/bin/python scripts/make_brand_icons.py`.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "kumo_momit" / "brand"
BACKGROUND = (30, 115, 190, 255)
GLYPH = (255, 255, 255, 255)
# Drawn larger, then scaled down: Pillow's shapes are not anti-aliased.
SUPERSAMPLE = 4
WORDMARK = "Kumo & Momit"


def _arm(draw: ImageDraw.ImageDraw, center: float, angle: float, length: float, width: int) -> None:
    """One arm of the snowflake with two side branches near its tip."""

    def point(distance: float, direction: float) -> tuple[float, float]:
        return (
            center + distance * math.cos(direction),
            center - distance * math.sin(direction),
        )

    def stroke(start: tuple[float, float], end: tuple[float, float]) -> None:
        # Round caps: a line alone ends square and looks ragged where strokes meet.
        draw.line([start, end], fill=GLYPH, width=width)
        radius = width / 2
        for x, y in (start, end):
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=GLYPH)

    stroke(point(0, angle), point(length, angle))
    for fraction, branch in ((0.42, 0.34), (0.70, 0.24)):
        base = point(length * fraction, angle)
        for side in (-1, 1):
            direction = angle + side * math.radians(50)
            tip = (
                base[0] + length * branch * math.cos(direction),
                base[1] - length * branch * math.sin(direction),
            )
            stroke(base, tip)


def draw_icon(size: int) -> Image.Image:
    """The icon at `size` x `size` pixels, transparent outside the rounded square."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = big * 0.04
    draw.rounded_rectangle(
        [margin, margin, big - margin, big - margin], radius=big * 0.2, fill=BACKGROUND
    )
    center = big / 2
    width = round(big * 0.045)
    for index in range(6):
        _arm(draw, center, math.radians(90 + 60 * index), big * 0.36, width)
    hub = big * 0.07
    draw.ellipse([center - hub, center - hub, center + hub, center + hub], fill=GLYPH)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def draw_logo(height: int) -> Image.Image:
    """The mark and the wordmark side by side, `height` pixels high, trimmed to the ink."""
    mark = draw_icon(height)
    font = ImageFont.load_default(size=round(height * 0.42))
    left, top, right, bottom = font.getbbox(WORDMARK)
    gap = round(height * 0.12)
    logo = Image.new("RGBA", (height + gap + right - left, height), (0, 0, 0, 0))
    logo.paste(mark, (0, 0))
    text_y = (height - (bottom - top)) // 2 - top
    ImageDraw.Draw(logo).text((height + gap - left, text_y), WORDMARK, font=font, fill=BACKGROUND)
    box = logo.getbbox()
    return logo.crop(box) if box else logo


def _save(image: Image.Image, path: Path) -> None:
    # A small palette keeps the committed files a few kilobytes.
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)


def main() -> None:
    """Write the icon and the logo, each at both sizes."""
    BRAND.mkdir(parents=True, exist_ok=True)
    _save(draw_icon(256), BRAND / "icon.png")
    _save(draw_icon(512), BRAND / "icon@2x.png")
    _save(draw_logo(256), BRAND / "logo.png")
    _save(draw_logo(512), BRAND / "logo@2x.png")


if __name__ == "__main__":
    main()
