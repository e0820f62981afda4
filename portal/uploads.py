"""Inspection of the files an enterprise uploads: attachments to an application (申报附件), the
营业执照 and 授权委托书 of an account's verification, a bureau's workbooks.

A file is recognised by its content, never by its name: a PNG called ``license.pdf`` is taken as
the PNG it is, and an ``.exe`` renamed ``.pdf`` is refused. Word and Excel files are ZIP archives;
their central directory is checked for zip bombs and unsafe entry names without extracting
anything. Whatever the user called the file, it is stored under a random name
(:func:`storage_path`); the cleaned-up original name (``safe_name``) is only for display and
download.
"""

import hashlib
import re
import struct
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import clock

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"

# Zip bomb limits, checked against the sizes the central directory declares.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_TOTAL_SIZE = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_FREE_SIZE = 1024 * 1024  # small entries may compress well without suspicion
NESTED_ARCHIVE_SUFFIXES = (
    *(".zip", ".docx", ".xlsx", ".docm", ".xlsm", ".pptx", ".jar"),
    *(".7z", ".rar", ".gz", ".tgz", ".tar"),
)

SAFE_NAME_MAX_LENGTH = 100
SAFE_NAME_FALLBACK = "附件"
_CHUNK_SIZE = 64 * 1024
_HEAD_SIZE = 4096
_FORBIDDEN_NAME_CHARS = re.compile(r'[<>:"|?*/\\]')
# Suffixes dropped from the original name before the detected extension is put on.
_KNOWN_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".jpe", ".png", ".docx", ".xlsx", ".doc", ".xls"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Mach-O in both byte orders and word sizes, and universal binaries (also Java class files).
_MACH_O_MAGIC = frozenset(
    bytes.fromhex(magic) for magic in ("feedface", "feedfacf", "cefaedfe", "cffaedfe", "cafebabe")
)
# Markers that may follow a JPEG's SOI: APPn, DQT, DHT, SOFn (not JPG or DAC), DRI, COM.
_JPEG_MARKERS_AFTER_SOI = frozenset(
    {*range(0xE0, 0xF0), 0xDB, 0xDD, 0xFE, *range(0xC0, 0xD0)} - {0xC8, 0xCC}
)


class UploadRefused(Exception):
    """An uploaded file that is not accepted; ``message`` says why, for the person uploading."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class UploadInfo:
    """What an accepted upload really is."""

    kind: str  # one of CONTENT_TYPES
    content_type: str
    extension: str  # with the dot: ".pdf"
    size: int
    sha256: str
    safe_name: str


def inspect_upload(upload: Any, *, max_size: int | None = None) -> UploadInfo:
    """Recognise an uploaded file by its content, or raise :class:`UploadRefused` saying why.

    ``upload`` is a Django ``UploadedFile`` or any seekable file-like object with ``name`` and
    ``size``. The file is read once (for the SHA-256) and left at position 0.
    """
    limit = max_size if max_size is not None else attachment_max_size()
    declared = getattr(upload, "size", None)
    if declared == 0:
        raise UploadRefused(_("The file is empty."), code="empty")
    if declared is not None and declared > limit:
        raise _too_large(declared, limit)
    try:
        size, digest, head = _read_through(upload, limit)
        kind = _detect_kind(upload, head)
    finally:
        upload.seek(0)
    extension = f".{kind}"
    return UploadInfo(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=extension,
        size=size,
        sha256=digest,
        safe_name=safe_name(getattr(upload, "name", None), extension=extension),
    )


def attachment_max_size() -> int:
    """The size limit for one attachment: settings.ATTACHMENT_MAX_SIZE, else 10 MiB."""
    return getattr(settings, "ATTACHMENT_MAX_SIZE", None) or DEFAULT_MAX_SIZE


def safe_name(name: str | None, *, extension: str) -> str:
    """A harmless display name from the user's file name, ending with ``extension``."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = re.sub(r"[\t\n\r\f\v]", " ", base)  # whitespace controls separate words
    # Category C covers control, format (e.g. right-to-left override), surrogate and unassigned.
    base = "".join(char for char in base if not unicodedata.category(char).startswith("C"))
    base = _FORBIDDEN_NAME_CHARS.sub("", base)
    base = re.sub(r"\s+", " ", base).strip()
    stem, dot, suffix = base.rpartition(".")
    if dot and f".{suffix.lower()}" in _KNOWN_SUFFIXES:
        base = stem
    # Leading dots would hide the file on Unix; trailing ones vanish on Windows.
    base = base[: SAFE_NAME_MAX_LENGTH - len(extension)].strip(" .")
    return (base or SAFE_NAME_FALLBACK) + extension


def storage_path(*, enterprise_id: int, info: UploadInfo) -> str:
    """Where an accepted attachment is stored, relative to MEDIA_ROOT; never the user's name."""
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int) or enterprise_id < 1:
        raise ValueError(f"enterprise_id must be a positive integer, not {enterprise_id!r}")
    today = clock.today()
    return f"attachments/{enterprise_id}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{info.extension}"


class AttachmentField(forms.FileField):
    """A file field that accepts only what :func:`inspect_upload` accepts.

    The cleaned file carries the :class:`UploadInfo` as ``.inspected``.
    """

    def __init__(self, *, max_size: int | None = None, **kwargs: Any) -> None:
        self.max_size = max_size
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs.setdefault("accept", ACCEPT)
        return attrs

    def clean(self, data: Any, initial: Any = None) -> Any:
        cleaned = super().clean(data, initial)
        if not cleaned or cleaned is initial:
            return cleaned
        try:
            cleaned.inspected = inspect_upload(cleaned, max_size=self.max_size)
        except UploadRefused as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from refusal
        return cleaned


def _read_through(upload: Any, limit: int) -> tuple[int, str, bytes]:
    """Size, SHA-256 and first bytes of the file, refusing it once it passes ``limit``."""
    upload.seek(0)
    digest = hashlib.sha256()
    head = b""
    size = 0
    while chunk := upload.read(_CHUNK_SIZE):
        size += len(chunk)
        if size > limit:  # the declared size was missing or wrong
            raise _too_large(size, limit)
        digest.update(chunk)
        if len(head) < _HEAD_SIZE:
            head += chunk[: _HEAD_SIZE - len(head)]
    if size == 0:
        raise UploadRefused(_("The file is empty."), code="empty")
    return size, digest.hexdigest(), head


def _detect_kind(upload: Any, head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        if head[5:6].isdigit():
            return "pdf"
        raise _damaged(_("a PDF document"))
    if head.startswith(PNG_SIGNATURE):
        # The IHDR chunk must come first, with its fixed length of 13 bytes.
        if head[8:16] == b"\x00\x00\x00\x0dIHDR":
            return "png"
        raise _damaged(_("a PNG image"))
    if head.startswith(b"\xff\xd8\xff"):
        if len(head) > 3 and head[3] in _JPEG_MARKERS_AFTER_SOI:
            return "jpg"
        raise _damaged(_("a JPEG image"))
    if head.startswith(ZIP_SIGNATURE):
        return _office_kind(upload)
    if head.startswith(OLE2_SIGNATURE):
        raise UploadRefused(
            _(
                "This is an old-format Office file (.doc or .xls) or a password-protected "
                "document; please save it as .docx or .xlsx without a password."
            ),
            code="old_office",
        )
    what = _describe(head)
    if what is None:
        raise UploadRefused(
            _(
                "Only PDF, JPG, PNG, DOCX and XLSX files are accepted; the content of this file "
                "is none of them."
            ),
            code="not_allowed",
        )
    raise _not_allowed(what)


def _office_kind(upload: Any) -> str:
    """The kind (docx or xlsx) of a safe Word or Excel file; anything else in a ZIP is refused."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    # zipfile reports a malformed central directory in several ways, not only BadZipFile.
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, struct.error):
        raise _damaged(_("a Word or Excel document")) from None
    _check_archive_is_safe(entries)
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            raise _not_allowed(gettext_lazy("a PowerPoint presentation"))
    if "mimetype" in names:
        raise _not_allowed(gettext_lazy("an OpenDocument (WPS/LibreOffice) file"))
    raise UploadRefused(
        _("This file is a ZIP archive, not a Word or Excel document."), code="zip_archive"
    )


def _check_archive_is_safe(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs, unsafe paths and archives inside the archive, from the declared sizes."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UploadRefused(
            _("This document has %(count)d parts inside; at most %(limit)d are accepted.")
            % {"count": len(entries), "limit": MAX_ZIP_ENTRIES},
            code="unsafe_archive",
        )
    for entry in entries:
        name = entry.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise UploadRefused(
                _("This document contains an unsafe path (%(name)s) and was refused.")
                % {"name": name[:100]},
                code="unsafe_archive",
            )
        if name.lower().endswith(NESTED_ARCHIVE_SUFFIXES):
            raise UploadRefused(
                _(
                    "This document contains another archive (%(name)s); remove the embedded "
                    "file or save the document as PDF."
                )
                % {"name": name[:100]},
                code="unsafe_archive",
            )
        if entry.file_size > ZIP_RATIO_FREE_SIZE and (
            entry.file_size > MAX_ZIP_RATIO * entry.compress_size
        ):
            raise UploadRefused(
                _(
                    "This document was refused as a possible zip bomb: its part %(name)s would "
                    "expand to %(size)s, more than %(ratio)d times its compressed size."
                )
                % {
                    "name": name[:100],
                    "size": _format_size(entry.file_size),
                    "ratio": MAX_ZIP_RATIO,
                },
                code="unsafe_archive",
            )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_ZIP_TOTAL_SIZE:
        raise UploadRefused(
            _(
                "This document was refused as a possible zip bomb: it would expand to %(size)s; "
                "the limit is %(limit)s."
            )
            % {"size": _format_size(total), "limit": _format_size(MAX_ZIP_TOTAL_SIZE)},
            code="unsafe_archive",
        )


def _describe(head: bytes) -> Promise | None:
    """What a file of a refused kind looks like, for the message; None if unrecognised."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    checks = (
        (head.startswith((b"MZ", b"\x7fELF", b"#!")), gettext_lazy("an executable program")),
        (head[:4] in _MACH_O_MAGIC, gettext_lazy("an executable program")),
        (
            text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")),
            gettext_lazy("a web page (HTML)"),
        ),
        (text.startswith((b"<?xml", b"<svg")), gettext_lazy("an XML or SVG file")),
        (head.startswith((b"GIF87a", b"GIF89a")), gettext_lazy("a GIF image")),
        (head.startswith((b"II*\x00", b"MM\x00*")), gettext_lazy("a TIFF image")),
        (head[:4] == b"RIFF" and head[8:12] == b"WEBP", gettext_lazy("a WebP image")),
        (
            head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heif"},
            gettext_lazy("a HEIC photo"),
        ),
        (
            head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")),
            gettext_lazy("a compressed archive"),
        ),
        (head.startswith(b"{\\rtf"), gettext_lazy("an RTF document")),
        (_looks_like_text(head), gettext_lazy("a plain text file")),
    )
    return next((what for matches, what in checks if matches), None)


def _looks_like_text(head: bytes) -> bool:
    decoded = head.decode("utf-8", errors="replace")
    odd = sum(
        1
        for char in decoded
        if char == "\ufffd" or (unicodedata.category(char) == "Cc" and char not in "\t\n\r\f")
    )
    return odd <= len(decoded) // 100


def _not_allowed(what: str | Promise) -> UploadRefused:
    return UploadRefused(
        _("Only PDF, JPG, PNG, DOCX and XLSX files are accepted; this file looks like %(what)s.")
        % {"what": what},
        code="not_allowed",
    )


def _damaged(what: str) -> UploadRefused:
    return UploadRefused(
        _("This file starts like %(what)s but is damaged or incomplete; please export it again.")
        % {"what": what},
        code="damaged",
    )


def _too_large(size: int, limit: int) -> UploadRefused:
    return UploadRefused(
        _("The file is %(size)s; the limit is %(limit)s.")
        % {"size": _format_size(size, round_up=True), "limit": _format_size(limit)},
        code="too_large",
    )


def _format_size(size: int, *, round_up: bool = False) -> str:
    """A size such as 12.4 MB, 300 KB or 512 bytes.

    ``round_up`` makes a file just over the limit show as more than the limit, not equal to it.
    """
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            tenths = -(-size * 10 // factor) if round_up else size * 10 // factor
            whole, tenth = divmod(tenths, 10)
            return f"{whole}.{tenth} {unit}" if tenth else f"{whole} {unit}"
    return _("%(count)d bytes") % {"count": size}
