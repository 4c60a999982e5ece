"""Deterministic tar.gz archives: the same files give the same bytes.

HEPData resources and the submission itself are gzip-compressed tar files. Python's defaults
store the current time (tar member mtimes, the gzip header), the owner and the order in which a
directory was listed; here every member has a fixed mtime, owner ``0:0`` without names, mode
0644 (0755 for directories), the members are sorted, and the gzip header has mtime 0 and no
file name. Member names use ``/`` and never start with ``/`` or contain ``..``.

>>> blob = tar_gz({"a/README.md": b"hi\\n", "a/BkgOnly.json": b"{}\\n"})
>>> blob == tar_gz({"a/BkgOnly.json": b"{}\\n", "a/README.md": b"hi\\n"})
True
>>> sorted(read_tar_gz(blob))
['a/BkgOnly.json', 'a/README.md']
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping
from pathlib import PurePosixPath

from xhf.exceptions import InvalidInputError

__all__ = ["ARCHIVE_MTIME", "read_tar_gz", "sha256sums", "tar_gz"]


def __dir__() -> list[str]:
    return __all__


def sha256sums(files: Mapping[str, str]) -> str:
    """``SHA256SUMS`` of text files (``sha256sum -c`` format), sorted by name."""
    return "".join(
        f"{hashlib.sha256(files[name].encode()).hexdigest()}  {name}\n" for name in sorted(files)
    )


#: The mtime of every member: 2020-05-22 00:00:00 UTC (arXiv:2005.11891 was submitted then).
ARCHIVE_MTIME = 1590105600


def _check_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise InvalidInputError(f"archive member {name!r}: must be a relative POSIX path")
    return str(path)


def _info(name: str, size: int, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 0 if directory else size
    info.mtime = ARCHIVE_MTIME
    info.mode = 0o755 if directory else 0o644
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def tar_gz(files: Mapping[str, bytes | str]) -> bytes:
    """A gzip-compressed tar archive of ``{member name: content}``, byte-for-byte reproducible.

    Parent directories get their own entries (so that ``tar xzf`` creates them with sane
    permissions); text is encoded as UTF-8.
    """
    members = {_check_name(name): data for name, data in files.items()}
    directories = sorted(
        {str(parent) for name in members for parent in PurePosixPath(name).parents} - {"."}
    )
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for directory in directories:
            tar.addfile(_info(directory, 0, directory=True))
        for name in sorted(members):
            data = members[name]
            blob = data.encode() if isinstance(data, str) else bytes(data)
            tar.addfile(_info(name, len(blob)), io.BytesIO(blob))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def read_tar_gz(blob: bytes, source: str = "archive") -> dict[str, bytes]:
    """The regular files of a tar.gz archive, ``{member name: bytes}`` (no extraction to disk)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            out = {}
            for member in tar.getmembers():
                if member.isfile():
                    handle = tar.extractfile(member)
                    out[_check_name(member.name)] = handle.read() if handle else b""
            return out
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InvalidInputError(f"{source}: not a readable tar.gz archive ({exc})") from None
