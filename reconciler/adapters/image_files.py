"""Inspect logo image files: format by their bytes, pixel size, byte size and sha256.

Called through an injected function by the manifest validator (which stays free of I/O)
and by the planner's wiring. PNG, JPEG and WebP are recognised by their signatures, not by
the file name; the pixel size is read from the header, so no imaging library is needed.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from reconciler.models.desired import LogoImage
from reconciler.models.desired import LogoImageError as ImageError

MAX_LOGO_BYTES = 20 * 1024 * 1024


def inspect_image(path: Path, *, root: Path | None = None) -> LogoImage:
    """Read ``path`` and describe it, or raise LogoImageError with a user-facing reason.

    With ``root``, a path that leads out of ``root`` through a symlink is refused before
    anything is read (apply publishes logo files, so none may come from outside the repository).
    """
    if root is not None:
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise ImageError("cannot follow the path (a symlink loop?)") from None
        if not real.is_relative_to(root.resolve()):
            raise ImageError(
                "a symlink that leads out of the repository; apply publishes logo files, "
                "so copy the image into the repository instead"
            )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError("the file does not exist") from None
    except OSError as exc:
        raise ImageError(f"cannot read the file: {exc.strerror}") from None
    if not path.is_file():
        raise ImageError("not a regular file")
    if size > MAX_LOGO_BYTES:
        raise ImageError(f"the file is {size / 1048576:.1f} MB; logos may be at most 20 MB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read the file: {exc.strerror}") from None
    fmt, width, height = sniff(data)
    return LogoImage(fmt, len(data), width, height, hashlib.sha256(data).hexdigest())


def sniff(data: bytes) -> tuple[str, int | None, int | None]:
    """Return (format, width, height) for PNG/JPEG/WebP bytes; raise ImageError otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 33 or data[12:16] != b"IHDR" or data.find(b"IEND", 33) < 0:
            raise ImageError(CUT_SHORT.format("PNG"))
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        if data.find(b"\xff\xd9", 3) < 0:  # the end-of-image marker
            raise ImageError(CUT_SHORT.format("JPEG"))
        width_height = _jpeg_size(data)
        return ("jpeg", *width_height)
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        if int.from_bytes(data[4:8], "little") + 8 > len(data):
            raise ImageError(CUT_SHORT.format("WebP"))
        return ("webp", *_webp_size(data))
    raise ImageError("not a PNG, JPEG or WebP image (judged by its content, not its name)")


CUT_SHORT = "the {} image is cut short (its end is missing); copy the whole file again"


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None, None
