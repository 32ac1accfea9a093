"""Stylised property photos drawn with Pillow for demo data: no downloads; same seed, same image."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 800, 533
JPEG_QUALITY = 80

RGB = tuple[int, int, int]

SKIES: list[tuple[RGB, RGB]] = [
    ((74, 137, 214), (196, 224, 247)),  # clear midday
    ((103, 156, 222), (221, 236, 248)),  # hazy summer
    ((142, 164, 196), (226, 230, 236)),  # soft overcast
    ((86, 120, 190), (247, 214, 170)),  # late afternoon
    ((58, 112, 196), (176, 212, 240)),  # crisp autumn
]
SIDINGS: list[RGB] = [
    (244, 242, 234),  # white clapboard
    (233, 222, 196),  # cream
    (170, 186, 200),  # grey-blue
    (176, 190, 160),  # sage
    (150, 58, 48),  # barn red
    (236, 210, 130),  # butter yellow
    (60, 78, 104),  # navy
    (158, 88, 66),  # brick
    (120, 124, 128),  # charcoal grey
    (214, 204, 186),  # greige
]
ROOFS: list[RGB] = [(62, 62, 66), (84, 70, 62), (48, 52, 60), (110, 92, 80), (70, 80, 84)]
DOORS: list[RGB] = [(150, 30, 36), (24, 28, 36), (30, 52, 96), (36, 84, 60), (196, 150, 60)]
TRIMS: list[RGB] = [(250, 250, 248), (236, 232, 222), (40, 40, 44)]
WALLS: list[RGB] = [
    (238, 234, 226),
    (226, 222, 210),
    (214, 222, 226),
    (232, 226, 214),
    (220, 214, 204),
    (206, 214, 204),
]
FLOORS: list[RGB] = [(168, 124, 84), (196, 160, 118), (122, 88, 62), (188, 180, 168)]
FABRICS: list[RGB] = [(92, 108, 128), (150, 138, 120), (70, 90, 84), (176, 168, 156), (120, 70, 60)]

ROOM_KINDS = ("living", "kitchen", "dining", "bedroom")


def _shade(color: RGB, factor: float) -> RGB:
    return tuple(max(0, min(255, int(c * factor))) for c in color)  # type: ignore[return-value]


def _jitter(rng: random.Random, color: RGB, amount: int = 10) -> RGB:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in color)  # type: ignore[return-value]


def _vertical_gradient(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], top: RGB, bottom: RGB
):
    x0, y0, x1, y1 = box
    span = max(1, y1 - y0)
    for y in range(y0, y1):
        t = (y - y0) / span
        color = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(x0, y), (x1, y)], fill=color)


def _clouds(draw: ImageDraw.ImageDraw, rng: random.Random, horizon: int) -> None:
    for _ in range(rng.randint(0, 4)):
        cx, cy = rng.randint(-40, WIDTH + 40), rng.randint(20, max(30, horizon - 160))
        for _ in range(rng.randint(3, 6)):
            w, h = rng.randint(50, 110), rng.randint(22, 40)
            dx, dy = rng.randint(-70, 70), rng.randint(-12, 12)
            draw.ellipse([cx + dx - w, cy + dy - h, cx + dx + w, cy + dy + h], fill=(250, 251, 253))


def _tree_line(draw: ImageDraw.ImageDraw, rng: random.Random, horizon: int) -> None:
    base = (58, 96, 58)
    x = -30
    while x < WIDTH + 30:
        r = rng.randint(26, 58)
        draw.ellipse(
            [x - r, horizon - r - rng.randint(10, 50), x + r, horizon + 20],
            fill=_jitter(rng, base, 14),
        )
        x += rng.randint(24, 50)


def _deciduous_tree(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: int, ground: int, scale: float
):
    trunk_w, trunk_h = int(14 * scale), int(90 * scale)
    draw.rectangle(
        [x - trunk_w // 2, ground - trunk_h, x + trunk_w // 2, ground], fill=(92, 70, 52)
    )
    green = rng.choice([(66, 118, 58), (82, 130, 64), (58, 104, 66), (150, 120, 50)])
    for _ in range(7):
        r = int(rng.randint(38, 60) * scale)
        cx = x + int(rng.randint(-45, 45) * scale)
        cy = ground - trunk_h - int(rng.randint(10, 70) * scale)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_jitter(rng, green, 12))


def _conifer(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, ground: int, scale: float):
    height, width = int(rng.randint(150, 210) * scale), int(rng.randint(60, 80) * scale)
    draw.rectangle([x - 5, ground - 20, x + 5, ground], fill=(84, 64, 48))
    green = _jitter(rng, (40, 84, 56), 10)
    for tier in range(4):
        top = ground - height + tier * height // 5
        half = width * (tier + 2) // 6
        draw.polygon(
            [(x, top), (x - half, top + height // 3), (x + half, top + height // 3)], fill=green
        )


def _window(draw: ImageDraw.ImageDraw, box, trim: RGB, shutters: RGB | None) -> None:
    x0, y0, x1, y1 = box
    if shutters:
        sw = (x1 - x0) // 3
        draw.rectangle([x0 - sw - 3, y0, x0 - 3, y1], fill=shutters)
        draw.rectangle([x1 + 3, y0, x1 + sw + 3, y1], fill=shutters)
    draw.rectangle([x0 - 3, y0 - 3, x1 + 3, y1 + 3], fill=trim)
    draw.rectangle([x0, y0, x1, y1], fill=(86, 112, 138))
    # A pale diagonal reflection reads as glass at this size.
    draw.polygon(
        [
            (x0, y1 - (y1 - y0) // 3),
            (x0 + (x1 - x0) // 2, y0),
            (x0 + (x1 - x0) * 3 // 4, y0),
            (x0, y1),
        ],
        fill=(150, 176, 198),
    )
    midx, midy = (x0 + x1) // 2, (y0 + y1) // 2
    draw.line([(midx, y0), (midx, y1)], fill=trim, width=2)
    draw.line([(x0, midy), (x1, midy)], fill=trim, width=2)


def _facade(
    draw,
    rng: random.Random,
    *,
    x0: int,
    x1: int,
    top: int,
    ground: int,
    stories: int,
    siding: RGB,
    trim: RGB,
    door: RGB,
    shutters: RGB | None,
) -> None:
    draw.rectangle([x0, top, x1, ground], fill=siding)
    for y in range(top + 8, ground, 9):
        draw.line([(x0, y), (x1, y)], fill=_shade(siding, 0.93), width=1)
    draw.rectangle([x0 - 3, top, x0 + 3, ground], fill=trim)
    draw.rectangle([x1 - 3, top, x1 + 3, ground], fill=trim)
    story_h = (ground - top) // stories
    width = x1 - x0
    columns = max(2, min(5, width // 90))
    door_col = columns // 2
    win_w, win_h = min(44, width // (columns * 2)), int(story_h * 0.48)
    for story in range(stories):
        y_mid = top + story_h * story + story_h // 2
        for col in range(columns):
            cx = x0 + width * (2 * col + 1) // (2 * columns)
            if story == stories - 1 and col == door_col:
                door_w, door_h = max(30, win_w), int(story_h * 0.72)
                draw.rectangle(
                    [cx - door_w // 2 - 5, ground - door_h - 5, cx + door_w // 2 + 5, ground],
                    fill=trim,
                )
                draw.rectangle(
                    [cx - door_w // 2, ground - door_h, cx + door_w // 2, ground], fill=door
                )
                draw.ellipse(
                    [
                        cx + door_w // 4 - 3,
                        ground - door_h // 2 - 3,
                        cx + door_w // 4 + 3,
                        ground - door_h // 2 + 3,
                    ],
                    fill=(210, 180, 90),
                )
                draw.rectangle([cx - door_w, ground, cx + door_w, ground + 8], fill=(170, 166, 160))
                continue
            _window(
                draw,
                [cx - win_w // 2, y_mid - win_h // 2, cx + win_w // 2, y_mid + win_h // 2],
                trim,
                shutters,
            )


def _roof(draw, rng: random.Random, *, x0: int, x1: int, top: int, color: RGB, style: str) -> None:
    overhang = 16
    rise = min(130, int((x1 - x0) * rng.uniform(0.22, 0.34)))
    if style == "gable":
        draw.polygon(
            [(x0 - overhang, top), ((x0 + x1) // 2, top - rise), (x1 + overhang, top)], fill=color
        )
    else:
        inset = (x1 - x0) // 4
        draw.polygon(
            [
                (x0 - overhang, top),
                (x0 + inset, top - rise),
                (x1 - inset, top - rise),
                (x1 + overhang, top),
            ],
            fill=color,
        )
    draw.line([(x0 - overhang, top), (x1 + overhang, top)], fill=_shade(color, 0.7), width=4)


def house_photo(seed: int, *, units: int = 1) -> Image.Image:
    """A front exterior: a house (or ``units`` attached units) on a lawn under a sky."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(300, 340)
    top_sky, low_sky = rng.choice(SKIES)
    _vertical_gradient(draw, (0, 0, WIDTH, horizon + 40), top_sky, low_sky)
    _clouds(draw, rng, horizon)
    _tree_line(draw, rng, horizon)
    lawn = rng.choice([(96, 146, 70), (110, 156, 78), (84, 132, 64), (128, 150, 84)])
    _vertical_gradient(draw, (0, horizon, WIDTH, HEIGHT), _shade(lawn, 0.85), _shade(lawn, 1.12))

    ground = horizon + rng.randint(90, 130)
    stories = 1 if units == 1 and rng.random() < 0.3 else 2
    story_h = rng.randint(96, 116) if stories == 2 else rng.randint(110, 130)
    body_w = rng.randint(400, 500) if units == 1 else min(700, 230 * units)
    x0 = (WIDTH - body_w) // 2 + rng.randint(-60, 60)
    x1 = x0 + body_w
    top = ground - stories * story_h
    trim = rng.choice(TRIMS[:2]) if rng.random() < 0.85 else TRIMS[2]
    roof_color = rng.choice(ROOFS)
    style = rng.choice(["gable", "gable", "hip"])

    if units == 1 and rng.random() < 0.55:
        # A garage wing to one side, drawn first so the main block overlaps it.
        wing_w, wing_top = rng.randint(160, 210), ground - story_h
        wx0 = x1 - 10 if rng.random() < 0.5 else x0 - wing_w + 10
        siding = rng.choice(SIDINGS)
        draw.rectangle([wx0, wing_top, wx0 + wing_w, ground], fill=_shade(siding, 0.95))
        draw.rectangle(
            [wx0 + 20, ground - story_h + 26, wx0 + wing_w - 20, ground], fill=(232, 230, 226)
        )
        for y in range(ground - story_h + 36, ground, 14):
            draw.line([(wx0 + 20, y), (wx0 + wing_w - 20, y)], fill=(200, 198, 194), width=2)
        _roof(draw, rng, x0=wx0, x1=wx0 + wing_w, top=wing_top, color=roof_color, style="gable")
        # A driveway to the garage.
        gx0, gx1 = wx0 + 20, wx0 + wing_w - 20
        draw.polygon(
            [(gx0, ground), (gx1, ground), (gx1 + 120, HEIGHT), (gx0 - 80, HEIGHT)],
            fill=(150, 148, 144),
        )
    else:
        siding = rng.choice(SIDINGS)

    if rng.random() < 0.6:
        # The chimney goes behind the roof so only its top shows above the slope.
        cx = rng.choice([x0 + body_w // 5, x1 - body_w // 5 - 26])
        draw.rectangle(
            [cx, top - min(130, int(body_w * 0.3)) - 10, cx + 26, top],
            fill=rng.choice([(150, 70, 54), (120, 116, 110)]),
        )
    _roof(draw, rng, x0=x0, x1=x1, top=top, color=roof_color, style=style)
    shutters = rng.choice([None, (30, 34, 40), (40, 60, 48), (60, 40, 36)])
    unit_w = body_w // units
    for unit in range(units):
        ux0 = x0 + unit * unit_w
        _facade(
            draw,
            rng,
            x0=ux0,
            x1=ux0 + unit_w,
            top=top,
            ground=ground,
            stories=stories,
            siding=siding if units == 1 else _jitter(rng, siding, 16),
            trim=trim,
            door=rng.choice(DOORS),
            shutters=shutters,
        )
    # Walkway from the front door(s) to the bottom edge.
    for unit in range(units):
        cx = x0 + unit * unit_w + unit_w // 2
        draw.polygon(
            [(cx - 18, ground + 8), (cx + 18, ground + 8), (cx + 40, HEIGHT), (cx - 40, HEIGHT)],
            fill=(196, 186, 170),
        )
    for _ in range(rng.randint(4, 9)):
        sx = rng.randint(x0 - 10, x1 + 10)
        r = rng.randint(14, 26)
        draw.ellipse(
            [sx - r, ground - r, sx + r, ground + r // 2], fill=_jitter(rng, (54, 98, 52), 12)
        )
    for side in (-1, 1):
        if rng.random() < 0.7:
            tx = x0 - rng.randint(60, 140) if side < 0 else x1 + rng.randint(60, 140)
            tree = _conifer if rng.random() < 0.35 else _deciduous_tree
            tree(draw, rng, tx, ground + rng.randint(10, 60), rng.uniform(1.0, 1.5))
    return image.filter(ImageFilter.GaussianBlur(0.7))


def room_photo(seed: int, *, kind: str = "living") -> Image.Image:
    """An interior seen from a doorway: back wall with a window, side walls, floor, furniture."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    wall = rng.choice(WALLS)
    floor = rng.choice(FLOORS)
    bx0, by0, bx1, by1 = 170, 90, 630, 380  # the back wall
    draw.polygon([(0, 0), (WIDTH, 0), (bx1, by0), (bx0, by0)], fill=(248, 247, 244))  # ceiling
    draw.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, HEIGHT)], fill=_shade(wall, 0.9))
    draw.polygon([(WIDTH, 0), (bx1, by0), (bx1, by1), (WIDTH, HEIGHT)], fill=_shade(wall, 0.84))
    draw.rectangle([bx0, by0, bx1, by1], fill=wall)
    draw.polygon([(0, HEIGHT), (bx0, by1), (bx1, by1), (WIDTH, HEIGHT)], fill=floor)
    for i in range(1, 14):
        x_back = bx0 + (bx1 - bx0) * i // 14
        x_front = WIDTH * i // 14
        draw.line([(x_back, by1), (x_front, HEIGHT)], fill=_shade(floor, 0.88), width=1)
    # Window onto a garden.
    wx0 = rng.randint(bx0 + 40, bx0 + 120)
    wx1 = wx0 + rng.randint(150, 230)
    _vertical_gradient(draw, (wx0, by0 + 40, wx1, by0 + 200), (140, 186, 230), (214, 232, 246))
    draw.rectangle([wx0, by0 + 150, wx1, by0 + 200], fill=(96, 146, 82))
    draw.rectangle([wx0 - 6, by0 + 34, wx1 + 6, by0 + 206], outline=(250, 250, 250), width=8)
    draw.line(
        [((wx0 + wx1) // 2, by0 + 40), ((wx0 + wx1) // 2, by0 + 200)], fill=(250, 250, 250), width=5
    )
    fabric = rng.choice(FABRICS)
    wood = _shade(rng.choice(FLOORS), 0.8)
    if kind == "kitchen":
        cab = rng.choice([(246, 246, 244), (60, 74, 92), (150, 160, 150), (120, 92, 70)])
        draw.rectangle([bx0, by0 + 230, bx1, by1], fill=cab)
        draw.rectangle([bx0, by0 + 222, bx1, by0 + 234], fill=(214, 212, 206))
        for x in range(bx0 + 10, bx1 - 40, 58):
            draw.rectangle([x, by0 + 244, x + 50, by1 - 8], outline=_shade(cab, 0.8), width=2)
        draw.rectangle([wx1 + 30, by0 + 10, bx1 - 10, by0 + 120], fill=cab)
        draw.polygon([(230, 420), (570, 420), (600, 500), (200, 500)], fill=cab)  # island
        draw.polygon([(220, 404), (580, 404), (606, 424), (194, 424)], fill=(226, 224, 218))
        for x in (290, 400, 510):
            draw.rectangle([x - 4, 430, x + 4, 520], fill=(40, 40, 44))
            draw.ellipse([x - 26, 420, x + 26, 440], fill=(40, 40, 44))
    elif kind == "bedroom":
        draw.rectangle([270, 250, 530, 330], fill=_shade(wood, 0.9))  # headboard
        draw.polygon([(250, 330), (550, 330), (640, 470), (160, 470)], fill=(244, 242, 238))
        draw.polygon([(200, 400), (600, 400), (640, 470), (160, 470)], fill=fabric)
        for x in (300, 420):
            draw.rounded_rectangle([x, 300, x + 90, 345], radius=14, fill=(252, 252, 250))
        draw.rectangle([540, 300, 600, 370], fill=wood)
        draw.polygon([(555, 250), (585, 250), (595, 290), (545, 290)], fill=(236, 226, 196))
    elif kind == "dining":
        draw.polygon([(250, 380), (550, 380), (610, 440), (190, 440)], fill=wood)
        for x in (230, 560):
            draw.rectangle([x - 8, 440, x + 8, 510], fill=_shade(wood, 0.8))
        for x in (260, 360, 440, 540):
            draw.rectangle([x - 20, 320, x + 20, 384], fill=_shade(wood, 0.7))
        draw.ellipse([370, 120, 430, 150], fill=(60, 60, 60))
        draw.line([(400, 0), (400, 120)], fill=(60, 60, 60), width=2)
    else:  # living
        draw.rounded_rectangle([220, 300, 580, 400], radius=18, fill=fabric)
        draw.rounded_rectangle([240, 330, 560, 410], radius=14, fill=_shade(fabric, 1.12))
        for x in (250, 500):
            draw.rounded_rectangle([x, 310, x + 50, 350], radius=10, fill=rng.choice(FABRICS))
        draw.ellipse([200, 430, 600, 520], fill=rng.choice([(210, 200, 184), (160, 150, 140)]))
        draw.rectangle([330, 430, 470, 460], fill=wood)
        frame = rng.randint(bx1 - 150, bx1 - 110)
        draw.rectangle([frame, by0 + 60, frame + 90, by0 + 140], fill=(60, 60, 60))
        draw.rectangle([frame + 6, by0 + 66, frame + 84, by0 + 134], fill=rng.choice(FABRICS))
    # Plant in the corner.
    draw.rectangle([660, 420, 700, 470], fill=(190, 160, 120))
    for _ in range(8):
        r = rng.randint(16, 26)
        cx, cy = 680 + rng.randint(-30, 30), 380 + rng.randint(-40, 30)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_jitter(rng, (64, 120, 70), 14))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def land_photo(seed: int) -> Image.Image:
    """An open lot: meadow, stone wall, woods behind."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(250, 300)
    top_sky, low_sky = rng.choice(SKIES)
    _vertical_gradient(draw, (0, 0, WIDTH, horizon + 40), top_sky, low_sky)
    _clouds(draw, rng, horizon)
    _tree_line(draw, rng, horizon)
    meadow = rng.choice([(138, 160, 82), (120, 150, 74), (168, 160, 96)])
    _vertical_gradient(draw, (0, horizon, WIDTH, HEIGHT), _shade(meadow, 0.85), _shade(meadow, 1.1))
    for _ in range(600):
        x, y = rng.randint(0, WIDTH), rng.randint(horizon + 10, HEIGHT)
        draw.line(
            [(x, y), (x + rng.randint(-2, 2), y - rng.randint(3, 9))],
            fill=_jitter(rng, _shade(meadow, 0.8), 16),
        )
    wall_y = horizon + rng.randint(90, 150)
    x = 0
    while x < WIDTH:
        w = rng.randint(18, 34)
        grey = rng.randint(112, 160)
        draw.ellipse([x, wall_y - 14, x + w, wall_y + 6], fill=(grey, grey - 4, grey - 10))
        x += w - 6
    for _ in range(rng.randint(2, 4)):
        tree = _conifer if rng.random() < 0.4 else _deciduous_tree
        tree(draw, rng, rng.randint(0, WIDTH), horizon + rng.randint(20, 60), rng.uniform(0.8, 1.2))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def jpeg_bytes(image: Image.Image, *, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
