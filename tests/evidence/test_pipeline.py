"""Tests for the evidence photo pipeline, on real files from the shared corpus decoded through Pillow."""

import builtins
import hashlib
import io
import math
import os
import struct
import time
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat, JpegImagePlugin

from fieldaudit.evidence import pipeline
from fieldaudit.evidence.annotate import annotate
from fieldaudit.evidence.pipeline import PhotoError, ingest

# The corpus lives beside the checkout (../shared/corpus from the repo root) and is never copied into it.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "images"
PILLOW = CORPUS / "pillow"
SAMPLES = CORPUS / "exif-samples"


def read(path: Path) -> bytes:
    """Bytes of a corpus file."""
    return path.read_bytes()


def decode(data: bytes) -> Image.Image:
    """Fully decode image bytes."""
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute pixel difference over all RGB channels."""
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, first bytes of payload) for every segment before the scan data."""
    assert data[:2] == b"\xff\xd8"
    pos, found = 2, []
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        found.append((marker, data[pos + 4:pos + 4 + 14]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + length
    return found


def assert_no_metadata(data: bytes) -> None:
    """The bytes are a JPEG carrying nothing but pixels: no EXIF, GPS, ICC, XMP or comment."""
    allowed = {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}  # JFIF, tables, frame, scan
    for marker, payload in jpeg_markers(data):
        assert marker in allowed, f"unexpected segment 0x{marker:02X} {payload!r}"
    for needle in (b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"MPF\x00"):
        assert needle not in data
    im = decode(data)
    assert im.format == "JPEG" and im.mode == "RGB"
    exif = im.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "adobe"):
        assert key not in im.info


def png_bytes(im: Image.Image) -> bytes:
    """Encode an image as PNG."""
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(im: Image.Image, **params) -> bytes:
    """Encode an image as JPEG."""
    out = io.BytesIO()
    im.save(out, "JPEG", **params)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width × height but which carries almost no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """hopper.jpg with its frame header rewritten to claim width × height."""
    data = bytearray(read(PILLOW / "hopper.jpg"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def camera_like(width: int, height: int, **params) -> bytes:
    """A quick gradient-and-noise JPEG of the given size."""
    grad = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width // 8, height // 8), 40).resize((width, height))
    im = Image.merge("RGB", (grad, noise, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    return jpeg_bytes(im, quality=90, **params)


# --- orientation ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tag", range(2, 9))
def test_orientation_tags_applied(tag):
    source = PILLOW / f"hopper_orientation_{tag}.jpg"
    reference = decode(read(PILLOW / "hopper.jpg"))
    raw = decode(read(source))
    assert raw.getexif()[ExifTags.Base.Orientation] == tag
    assert mean_diff(raw, reference) > 50  # the stored pixels really are turned: the test can tell
    out = decode(ingest(read(source)).image)
    assert mean_diff(out, reference) < 8  # two JPEG generations away from hopper.jpg, hence not zero


@pytest.mark.parametrize("name", ["hopper_orientation_6.webp", "exif_imagemagick_orientation.png"])
def test_orientation_in_webp_and_png(name):
    data = read(PILLOW / name)
    expected = ImageOps.exif_transpose(decode(data))
    assert mean_diff(decode(ingest(data).image), expected) < 6


@pytest.mark.parametrize("name, raw_size, size", [
    ("landscape_6.jpg", (450, 600), (600, 450)),
    ("portrait_8.jpg", (600, 450), (450, 600)),
])
def test_phone_orientation_swaps_dimensions(name, raw_size, size):
    data = read(SAMPLES / name)
    assert decode(data).size == raw_size
    photo = ingest(data)
    assert (photo.width, photo.height) == size == (photo.original_width, photo.original_height)
    assert_no_metadata(photo.image)


# --- metadata ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    PILLOW / "exif_gps.jpg", PILLOW / "empty_gps_ifd.jpg", PILLOW / "exif_gps_typeerror.jpg",
    SAMPLES / "DSCN0010.jpg", SAMPLES / "HMD_Nokia_8.3_5G.jpg", PILLOW / "icc_profile_big.jpg",
    PILLOW / "pil_sample_rgb.jpg", PILLOW / "hopper_orientation_6.webp", PILLOW / "hopper_bad_exif.jpg",
    PILLOW / "invalid-exif.jpg", PILLOW / "multiple_exif.jpg", PILLOW / "broken_exif_dpi.jpg",
    PILLOW / "truncated_exif_dpi.jpg", PILLOW / "frozenpond.mpo", SAMPLES / "corrupted.jpg",
], ids=lambda p: p.name)
def test_metadata_stripped_from_image_and_thumb(path):
    photo = ingest(read(path))
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumb)


@pytest.mark.parametrize("path", [PILLOW / "exif_gps.jpg", SAMPLES / "DSCN0010.jpg", SAMPLES / "HMD_Nokia_8.3_5G.jpg"],
                         ids=lambda p: p.name)
def test_gps_present_in_input_gone_from_output(path):
    data = read(path)
    assert decode(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input really carries a position
    photo = ingest(data)
    for out in (photo.image, photo.thumb):
        assert not decode(out).getexif().get_ifd(ExifTags.IFD.GPSInfo)


@pytest.mark.parametrize("path, expected", [
    (PILLOW / "exif_gps.jpg", "2099-09-29T10:10:10"),
    (SAMPLES / "DSCN0010.jpg", "2008-10-22T16:28:39"),
    (SAMPLES / "HMD_Nokia_8.3_5G.jpg", "2022-08-14T14:12:31+03:00"),
    (PILLOW / "frozenpond.mpo", "2014-03-02T13:30:00"),
    (PILLOW / "hopper.jpg", None),
], ids=lambda v: getattr(v, "name", v))
def test_capture_time_kept(path, expected):
    assert ingest(read(path)).captured_at == expected


@pytest.mark.parametrize("stamp", ["0000:00:00 00:00:00", "    :  :     :  :  ", "garbage"])
def test_placeholder_capture_time_is_none(stamp):
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[0x9003] = stamp
    data = jpeg_bytes(Image.new("RGB", (32, 24), "teal"), exif=exif)
    assert ingest(data).captured_at is None


def test_same_bytes_same_original_hash():
    data = read(PILLOW / "hopper.jpg")
    first, second = ingest(data), ingest(data)
    assert first.original_sha256 == second.original_sha256 == hashlib.sha256(data).hexdigest()
    assert first.image_sha256 == hashlib.sha256(first.image).hexdigest()
    assert first.thumb_sha256 == hashlib.sha256(first.thumb).hexdigest()
    assert ingest(read(PILLOW / "hopper.png")).original_sha256 != first.original_sha256


# --- colour and modes ----------------------------------------------------------------------------------------------

def sixteen_bit_png() -> bytes:
    """A 16-bit greyscale PNG ramp from black to full scale."""
    ramp = Image.linear_gradient("L").resize((64, 64)).convert("I").point(lambda v: v * 257)
    return png_bytes(ramp.convert("I;16"))


@pytest.mark.parametrize("name, data", [
    ("cmyk jpeg", read(PILLOW / "pil_sample_cmyk.jpg")),
    ("palette png", read(PILLOW / "palette_wedge.png")),
    ("icc jpeg", read(PILLOW / "icc_profile_big.jpg")),
    ("broken icc", read(PILLOW / "icc-after-SOF.jpg")),
    ("greyscale jpeg", read(PILLOW / "hopper_bad_exif.jpg")),
    ("16-bit tiff as png", png_bytes(decode(read(PILLOW / "16bit.MM.deflate.tif")))),
    ("16-bit png ramp", sixteen_bit_png()),
    ("palette png with transparency", png_bytes(decode(read(PILLOW / "hopper.gif")))),
    ("LA png", png_bytes(decode(read(PILLOW / "hopper.png")).convert("LA"))),
    ("RGBA webp", read(PILLOW / "hopper.webp")),
], ids=lambda v: v if isinstance(v, str) else "")
def test_inputs_normalised_to_plain_rgb_jpeg(name, data):
    photo = ingest(data)
    out = decode(photo.image)
    assert (out.format, out.mode) == ("JPEG", "RGB")
    assert "icc_profile" not in out.info
    assert decode(photo.thumb).mode == "RGB"


def test_sixteen_bit_scaled_not_clipped():
    out = decode(ingest(sixteen_bit_png()).image).convert("L")
    low, high = out.getextrema()
    assert low < 10 and high > 245
    assert 100 < ImageStat.Stat(out).mean[0] < 155  # a ramp, not the all-white image clipping would give


def test_cmyk_matches_pillow_conversion():
    data = read(PILLOW / "pil_sample_cmyk.jpg")
    assert decode(data).mode == "CMYK"
    expected = decode(jpeg_bytes(decode(data).convert("RGB"), quality=pipeline.JPEG_QUALITY))
    assert mean_diff(decode(ingest(data).image), expected) < 1


def test_icc_profile_converted_to_srgb():
    data = read(PILLOW / "icc_profile_big.jpg")
    source = decode(data)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(source.info["icc_profile"]))
    converted = ImageCms.profileToProfile(source, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
    expected = decode(jpeg_bytes(converted, quality=pipeline.JPEG_QUALITY))
    out = decode(ingest(data).image)
    assert mean_diff(out, expected) < 1
    assert mean_diff(out, source) > 4  # the conversion changed the pixels: it was not skipped


def test_transparency_flattened_on_white():
    data = png_bytes(Image.new("RGBA", (40, 30), (255, 0, 0, 0)))
    assert decode(ingest(data).image).getpixel((20, 15)) >= (250, 250, 250)


def test_mpo_first_frame_accepted():
    data = read(PILLOW / "frozenpond.mpo")
    source = Image.open(io.BytesIO(data))
    assert source.format == "MPO" and source.n_frames == 2
    source.load()
    photo = ingest(data)
    assert photo.mime_in == "image/jpeg"
    assert (photo.width, photo.height) == (640, 480)
    assert mean_diff(decode(photo.image), source) < 4


# --- refusals ------------------------------------------------------------------------------------------------------

REFUSALS = [
    ("truncated_jpeg.jpg", read(PILLOW / "truncated_jpeg.jpg"), 400, "damaged"),
    ("truncated_image.png", read(PILLOW / "truncated_image.png"), 400, "damaged"),
    ("truncated_end_chunk.png", read(PILLOW / "truncated_end_chunk.png"), 400, "damaged"),
    ("broken.png", read(PILLOW / "broken.png"), 400, "damaged"),
    ("broken_data_stream.png", read(PILLOW / "broken_data_stream.png"), 400, "damaged"),
    ("ultrahdr.jpg (cut short in the corpus)", read(PILLOW / "ultrahdr.jpg"), 400, "damaged"),
    ("zero bytes", b"", 400, "empty"),
    ("text", b"Inspection notes: guard rail loose at station 4.\n", 400, "not a picture"),
    ("html", b"<!doctype html><html><body>hi</body></html>", 400, "not a picture"),
    ("gif", read(PILLOW / "hopper.gif"), 400, "GIF"),
    ("decompression_bomb.gif", read(PILLOW / "decompression_bomb.gif"), 400, "GIF"),
    ("decompression_bomb_extents.gif", read(PILLOW / "decompression_bomb_extents.gif"), 400, "GIF"),
    ("zero_width.gif", read(PILLOW / "zero_width.gif"), 400, "GIF"),
    ("tiff", read(PILLOW / "16bit.MM.deflate.tif"), 400, "TIFF"),
    ("avif", read(PILLOW / "rot1mir0.avif"), 400, "AVIF"),
    ("zero-width png", png_header(0, 10), 400, ""),
    ("huge png header", png_header(20000, 15000), 413, "300 megapixels"),
    ("png between Pillow's warning and error limits", png_header(12000, 10000), 413, "12000 × 10000"),
    ("jpeg claiming 65000x65000", jpeg_claiming(65000, 65000), 413, "megapixels"),
    ("jpeg claiming 9000x9000", jpeg_claiming(9000, 9000), 413, "9000 × 9000"),
]


@pytest.mark.parametrize("name, data, status, fragment", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_input_refused(name, data, status, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing Pillow says may leak out, whatever pytest's settings
        with pytest.raises(PhotoError) as caught:
            ingest(data)
    assert caught.value.status == status
    assert fragment in caught.value.message
    for leak in ("PIL", "BytesIO", "Traceback", "Errno"):
        assert leak not in caught.value.message


def test_unsupported_message_lists_accepted_formats():
    with pytest.raises(PhotoError) as caught:
        ingest(read(PILLOW / "hopper.gif"))
    for name in ("JPEG", "PNG", "WebP"):
        assert name in caught.value.message


def test_too_many_bytes_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("opened an oversized upload"))
    with pytest.raises(PhotoError) as caught:
        ingest(b"\xff\xd8\xff" + b"\0" * 2048, max_bytes=1024)
    assert caught.value.status == 413 and "MB" in caught.value.message


def test_huge_dimensions_refused_without_decoding(monkeypatch):
    def no_decoding(self):
        raise AssertionError("pixels were decoded")
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    started = time.perf_counter()
    with pytest.raises(PhotoError) as caught:
        ingest(png_header(20000, 15000))
    assert time.perf_counter() - started < 0.5
    assert caught.value.status == 413
    assert "300 megapixels" in caught.value.message


def test_pixel_budget_checked_where_pillow_only_warns(monkeypatch):
    # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns (and the limit differs between Pillow versions).
    side = math.isqrt(Image.MAX_IMAGE_PIXELS * 3 // 2)
    assert Image.MAX_IMAGE_PIXELS < side * side <= 2 * Image.MAX_IMAGE_PIXELS
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("pixels were decoded"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(PhotoError) as caught:
            ingest(png_header(side, side))
    assert caught.value.status == 413 and f"{side} × {side}" in caught.value.message


def test_pixel_budget_is_a_parameter():
    with pytest.raises(PhotoError) as caught:
        ingest(read(PILLOW / "hopper.jpg"), max_pixels=128 * 127)
    assert caught.value.status == 413
    assert ingest(read(PILLOW / "hopper.jpg"), max_pixels=128 * 128).width == 128


def test_load_truncated_images_must_stay_false(monkeypatch):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        ingest(read(PILLOW / "truncated_jpeg.jpg"))


def test_nothing_written_to_disk(monkeypatch):
    data = read(SAMPLES / "jolla.jpg")
    ingest(data)  # warm up lazy imports first

    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to open {args[0]!r}")
    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(os, "open", refuse)
    assert ingest(data).width == 2000


# --- size bounds and the reduced JPEG decode -----------------------------------------------------------------------

@pytest.fixture
def draft_calls(monkeypatch):
    """Record every JPEG draft request and the size it made the decoder produce."""
    calls = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        calls.append((mode, size, self.size))
        return result
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    return calls


@pytest.mark.parametrize("size, target, decoded, out", [
    ((4000, 3000), (2000, 1500), (2000, 1500), (2000, 1500)),
    ((3000, 4000), (1500, 2000), (1500, 2000), (1500, 2000)),
    ((8000, 6000), (2000, 1500), (2000, 1500), (2000, 1500)),
    ((3900, 2600), (2000, 1334), (3900, 2600), (2000, 1333)),  # halving would undershoot: full decode
])
def test_draft_decodes_big_jpegs_at_reduced_scale(draft_calls, size, target, decoded, out):
    photo = ingest(camera_like(*size))
    assert draft_calls == [("RGB", target, decoded)]
    assert (photo.width, photo.height) == out
    assert (photo.original_width, photo.original_height) == size
    assert max(photo.thumb_width, photo.thumb_height) == 320


def test_draft_then_orientation_from_original_exif(draft_calls):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    photo = ingest(camera_like(4000, 3000, exif=exif))
    assert draft_calls[0][2] == (2000, 1500)
    assert (photo.width, photo.height) == (1500, 2000)
    assert (photo.original_width, photo.original_height) == (3000, 4000)


def test_small_and_png_images_not_drafted(draft_calls):
    ingest(read(PILLOW / "hopper.jpg"))
    ingest(png_bytes(Image.new("RGB", (2400, 1800), "navy")))
    assert draft_calls == []


@pytest.mark.parametrize("name, size, thumb", [
    ("HMD_Nokia_8.3_5G.jpg", (2000, 858), (320, 137)),
    ("jolla.jpg", (2000, 1500), (320, 240)),
    ("landscape_6.jpg", (600, 450), (320, 240)),
    ("portrait_8.jpg", (450, 600), (240, 320)),
    ("DSCN0010.jpg", (640, 480), (320, 240)),
    ("corrupted.jpg", (2000, 1500), (320, 240)),
    ("35-empty.jpg", (2000, 1503), (320, 240)),
    ("image01088.jpg", (425, 120), (320, 90)),
])
def test_real_phone_photos(name, size, thumb):
    photo = ingest(read(SAMPLES / name))
    assert photo.mime_in == "image/jpeg"
    assert (photo.width, photo.height) == size == decode(photo.image).size
    assert (photo.thumb_width, photo.thumb_height) == thumb == decode(photo.thumb).size
    assert len(photo.thumb) < len(photo.image)


def test_custom_bounds():
    photo = ingest(read(PILLOW / "hopper.jpg"), max_side=64, thumb_side=16)
    assert (photo.width, photo.height, photo.thumb_width, photo.thumb_height) == (64, 64, 16, 16)


@pytest.mark.parametrize("name", ["hopper.png", "hopper.webp", "hopper.jpg"])
def test_mime_detected_by_content(name):
    assert ingest(read(PILLOW / name)).mime_in == "image/" + name.rsplit(".", 1)[1].replace("jpg", "jpeg")


# --- HEIC ----------------------------------------------------------------------------------------------------------

def test_heic_iphone_photo():
    pytest.importorskip("pillow_heif")
    photo = ingest(read(SAMPLES / "iphone_13_pro_max.HEIC"))
    assert photo.mime_in == "image/heic"
    assert (photo.width, photo.height) == (1500, 2000)
    assert (photo.original_width, photo.original_height) == (3024, 4032)
    assert photo.captured_at == "2022-02-16T12:55:41+01:00"
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumb)


def test_heic_small():
    pytest.importorskip("pillow_heif")
    assert ingest(read(PILLOW / "hopper.heif")).width == 128


def test_heic_without_pillow_heif_says_so(monkeypatch):
    monkeypatch.setattr(pipeline, "_heif_available", lambda: False)
    with pytest.raises(PhotoError) as caught:
        ingest(read(PILLOW / "hopper.heif"))
    assert caught.value.status == 400 and "HEIC" in caught.value.message


# --- annotate ------------------------------------------------------------------------------------------------------

@pytest.fixture
def white_photo():
    """A stored-style white JPEG, 400 × 300."""
    return ingest(jpeg_bytes(Image.new("RGB", (400, 300), "white"))).image


def test_annotate_draws_on_a_copy(white_photo):
    before = bytes(white_photo)
    shapes = [
        {"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.4, "y2": 0.4, "color": "#ff0000", "width": 6},
        {"type": "circle", "x1": 0.6, "y1": 0.1, "x2": 0.9, "y2": 0.5, "color": "blue", "width": 6},
        {"type": "arrow", "x1": 0.1, "y1": 0.9, "x2": 0.5, "y2": 0.6, "color": "lime"},
    ]
    out = annotate(white_photo, shapes)
    assert white_photo == before and out != white_photo
    assert_no_metadata(out)
    im = decode(out)
    assert im.size == (400, 300)
    red, green, blue = im.getpixel((40, 100)), im.getpixel((199, 179)), im.getpixel((241, 90))
    # Thin strokes blur a little through JPEG's chroma subsampling, hence the loose bounds.
    assert red[0] > 180 and max(red[1:]) < 100        # left edge of the rectangle
    assert green[1] > 150 and green[0] < 100          # the arrow's head
    assert blue[2] > 180 and max(blue[:2]) < 100      # left edge of the ellipse
    assert min(im.getpixel((100, 90))) > 240     # inside the rectangle stays white


@pytest.mark.parametrize("shapes, fragment", [
    ("not a list", "list"),
    ([{"type": "star", "x1": 0, "y1": 0, "x2": 1, "y2": 1}], "type"),
    ([{"type": "rect", "x1": 0, "y1": 0, "x2": 1.5, "y2": 1}], "'x2'"),
    ([{"type": "rect", "x1": True, "y1": 0, "x2": 1, "y2": 1}], "'x1'"),
    ([{"type": "rect", "x1": 0, "y1": 0, "x2": 1}], "'y2'"),
    ([{"type": "rect", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "color": "not-a-colour"}], "colour"),
    ([{"type": "rect", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "width": 0}], "width"),
    ([{"type": "rect", "x1": 0, "y1": 0, "x2": 1, "y2": 1}] * 101, "at most"),
    (["rect"], "object"),
])
def test_annotate_refuses_bad_shapes(white_photo, shapes, fragment):
    with pytest.raises(PhotoError) as caught:
        annotate(white_photo, shapes)
    assert caught.value.status == 400 and fragment in caught.value.message


def test_annotate_refuses_bad_image():
    with pytest.raises(PhotoError) as caught:
        annotate(read(PILLOW / "truncated_jpeg.jpg"), [])
    assert caught.value.status == 400
