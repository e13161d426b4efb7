"""Opening zip archives without trusting them (zip bombs, path tricks, encrypted members).

`open_archive(path, file)` checks the central directory first (member count, declared sizes
and ratios, encryption) and refuses at once what is declared too big; it then hands out member
streams that count the bytes actually decompressed and stop with a FatalImportError as soon as
a member yields more than it declared, more than the ratio allows, or the archive more than
`max_archive_bytes` in total — the headers of a hostile archive may lie. Memory stays at one
read buffer whatever the archive holds."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .errors import FatalImportError
from .limits import Limits, default_limits


class _CountingStream(io.RawIOBase):
    def __init__(self, archive: SafeArchive, info: zipfile.ZipInfo):
        self.archive = archive
        self.info = info
        self.inner = archive.zip.open(info)
        self.produced = 0
        limits = archive.limits
        self.allowed = min(
            max(info.compress_size * limits.max_archive_ratio, limits.ratio_floor_bytes),
            limits.max_archive_bytes,
        )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as error:
            raise self.archive.refusal(f"member {self.info.filename!r} is corrupt ({error})") from None
        n = len(data)
        buffer[:n] = data
        self.produced += n
        self.archive.total += n
        if self.produced > self.allowed:
            raise self.archive.refusal(
                f"member {self.info.filename!r} expands to more than {self.allowed} bytes from "
                f"{self.info.compress_size} compressed (more than {self.archive.limits.max_archive_ratio}×): "
                "refused as a zip bomb"
            )
        if self.archive.total > self.archive.limits.max_archive_bytes:
            raise self.archive.refusal(
                f"the archive expands to more than {self.archive.limits.max_archive_bytes} bytes: refused"
            )
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


class SafeArchive:
    def __init__(self, path: Path, file: str, limits: Limits):
        self.file = file
        self.limits = limits
        self.total = 0
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise FatalImportError(file, 0, f"not a readable zip archive ({error})") from None
        infos = self.zip.infolist()
        if len(infos) > limits.max_archive_members:
            raise self.refusal(f"{len(infos)} members, more than {limits.max_archive_members}")
        declared = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.refusal(f"member {info.filename!r} is encrypted")
            declared += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_archive_ratio:
                raise self.refusal(
                    f"member {info.filename!r} declares {info.file_size} bytes from {info.compress_size} "
                    f"compressed (ratio {ratio:.0f}, more than {limits.max_archive_ratio}): "
                    "refused as a zip bomb"
                )
        if declared > limits.max_archive_bytes:
            raise self.refusal(
                f"the archive declares {declared} bytes once expanded, more than {limits.max_archive_bytes}"
            )
        self.infos = [info for info in infos if not info.is_dir()]

    def refusal(self, reason: str) -> FatalImportError:
        return FatalImportError(self.file, 0, f"archive refused: {reason}")

    def names(self) -> list[str]:
        """Member file names (the base name: folders inside the archive are ignored)."""
        return [PurePosixPath(info.filename).name for info in self.infos]

    def open(self, name: str) -> io.BufferedReader | None:
        """A binary stream of the member whose base name is `name`, or None."""
        for info in self.infos:
            if PurePosixPath(info.filename).name == name:
                try:
                    return io.BufferedReader(_CountingStream(self, info), buffer_size=64 * 1024)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
                    reason = f"member {name!r} cannot be read ({error})"
                    raise FatalImportError(self.file, 0, reason) from None
        return None

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_archive(path: Path | str, file: str = "", *, limits: Limits | None = None) -> SafeArchive:
    """Open a zip archive with the limits (default: the platform's)."""
    path = Path(path)
    return SafeArchive(path, file or path.name, limits or default_limits())
