"""Real photos for evidence tests: JPEGs made with Pillow, carrying EXIF capture time and GPS position when asked."""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

# The pharmacy of the examples (People's Square, Shanghai) and the metres in a millionth of a degree of latitude.
PHARMACY = (Decimal("31.230416"), Decimal("121.473701"))
METRES_PER_MICRODEGREE = Decimal("0.111195")


def _dms(degrees: Decimal) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = Fraction(abs(degrees))
    whole = int(value)
    minutes = int((value - whole) * 60)
    seconds = (value - whole - Fraction(minutes, 60)) * 3600
    return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(seconds.numerator, seconds.denominator)


def jpeg(taken: str | None = None, offset: str | None = None, position: tuple[Decimal, Decimal] | None = None,
         accuracy: int | None = None, colour: str = "white", fmt: str = "JPEG") -> bytes:
    """A small photo; ``taken`` as EXIF writes it ("2020:02:05 10:35:00"), ``offset`` ("+08:00"), a GPS position
    in degrees and its horizontal positioning error in metres."""
    image = Image.new("RGB", (16, 12), colour)
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = offset
    if position is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if position[0] >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(position[0])
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if position[1] >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(position[1])
        if accuracy is not None:
            gps[ExifTags.GPS.GPSHPositioningError] = IFDRational(accuracy, 1)
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


def north_of(position: tuple[Decimal, Decimal], metres: int) -> tuple[Decimal, Decimal]:
    """A position about ``metres`` due north."""
    return (position[0] + (Decimal(metres) / METRES_PER_MICRODEGREE).quantize(Decimal(1)) / 1_000_000, position[1])


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_files(folder: str | Path) -> set[str]:
    """The files in the upload folder (temporary ones included)."""
    path = Path(folder)
    return {child.name for child in path.iterdir()} if path.exists() else set()
