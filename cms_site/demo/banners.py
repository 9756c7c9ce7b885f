"""Generated banner images for demo articles, so the demo needs no photo downloads."""

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
PALETTE = [
    ((11, 110, 79), (214, 238, 226)),
    ((29, 78, 137), (219, 231, 246)),
    ((140, 63, 20), (247, 229, 214)),
    ((92, 45, 145), (233, 222, 246)),
    ((20, 100, 120), (213, 238, 242)),
    ((128, 30, 60), (246, 218, 228)),
]


def banner_png(label: str, caption: str) -> bytes:
    digest = int(hashlib.sha256(label.encode()).hexdigest(), 16)
    ink, paper = PALETTE[digest % len(PALETTE)]
    image = Image.new("RGB", SIZE, paper)
    draw = ImageDraw.Draw(image)
    for i in range(6):
        radius = 120 + 60 * i
        centre = (SIZE[0] - 150 + (digest >> i) % 80, 120 + (digest >> (i + 3)) % 200)
        box = [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius]
        draw.ellipse(box, outline=ink, width=6)
    draw.rectangle([0, SIZE[1] - 170, SIZE[0], SIZE[1]], fill=ink)
    middle = SIZE[0] // 2
    draw.text((middle, SIZE[1] - 105), label, fill=paper, anchor="mm", font=font(72))
    draw.text((middle, SIZE[1] - 40), caption, fill=paper, anchor="mm", font=font(30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def font(size: int):
    return ImageFont.load_default(size=size)
