"""Measures one CPU core's rate for the per-sample work of a typical image DataLoader worker:
JPEG decode of a 500x375 photo-sized image, a random resized crop to the training size, a
horizontal flip and the conversion to raw bytes. The estimator's data-loading floor uses the result
(see docs/estimator.md). Pillow only (Debian: python3-pil); no GPU.

Usage: python3 scripts/measure-decode-rate.py [--size 224] [--seconds 5]
"""
import argparse
import io
import random
import time

from PIL import Image, ImageDraw, ImageFilter


def photo_like_jpeg(w=500, h=375, seed=0):
    # smooth gradients + shapes + mild noise: compresses like a photo, not like white noise
    rnd = random.Random(seed)
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255) // w, (y * 255) // h, ((x + y) * 127) // (w + h))
    d = ImageDraw.Draw(img)
    for _ in range(40):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        d.ellipse([x0, y0, x0 + rnd.randrange(10, 120), y0 + rnd.randrange(10, 120)],
                  fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    img = img.filter(ImageFilter.GaussianBlur(1.5))
    noise = Image.effect_noise((w, h), 18).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def one_sample(data, size, rnd):
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    scale = rnd.uniform(0.08, 1.0)
    cw = max(1, int(w * scale ** 0.5))
    ch = max(1, int(h * scale ** 0.5))
    x, y = rnd.randrange(w - cw + 1), rnd.randrange(h - ch + 1)
    img = img.resize((size, size), Image.BILINEAR, box=(x, y, x + cw, y + ch))
    if rnd.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    return img.tobytes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args()
    images = [photo_like_jpeg(seed=i) for i in range(8)]
    rnd = random.Random(1)
    for d in images:  # warm-up
        one_sample(d, a.size, rnd)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < a.seconds:
        one_sample(images[n % len(images)], a.size, rnd)
        n += 1
    rate = n / (time.perf_counter() - t0)
    print(f"{rate:.1f} samples/s per core (500x375 JPEG -> {a.size}px crop, Pillow {Image.__version__})")


if __name__ == "__main__":
    main()
