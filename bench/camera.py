"""Camera-like test pictures shared by the benchmarks: gradients, mid-frequency texture and sensor grain."""
from PIL import Image


def camera_base(width: int, height: int) -> Image.Image:
    """A picture that compresses like a real photo (so JPEG sizes and decode times are realistic)."""
    gradient = Image.linear_gradient("L")
    channels = []
    for angle in (0, 90, 45):
        smooth = gradient.rotate(angle).resize((width, height), Image.Resampling.BILINEAR)
        texture = Image.effect_noise((width // 16, height // 16), 60).resize((width, height), Image.Resampling.BICUBIC)
        channels.append(Image.blend(smooth, texture, 0.45))
    im = Image.merge("RGB", channels)
    grain = Image.effect_noise((width, height), 14)
    return Image.blend(im, Image.merge("RGB", (grain, grain, grain)), 0.22)
