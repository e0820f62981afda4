"""Attachments are recognised by their content; unsafe, oversized and disguised files are refused
with a message that says why."""

import hashlib
import io
import re
import struct
import time
import zipfile
import zlib

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from portal.uploads import (
    CONTENT_TYPES,
    AttachmentField,
    UploadInfo,
    UploadRefused,
    inspect_upload,
    safe_name,
    storage_path,
)

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- Sample files, built for real -------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def png_bytes() -> bytes:
    """A 1×1 white RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """An 8×8 mid-grey baseline JPEG: one block whose DC difference and AC run are both empty."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    # Each Huffman table has a single 1-bit code: DC category 0, AC end-of-block.
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    scan = b"\x3f"  # bits 0 (DC) and 0 (EOB), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof0 + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def zip_bytes(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def docx_entries(**extra: bytes) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES_XML,
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document><w:body><w:p>\xe7\x94\xb3\xe6\x8a\xa5</w:p></w:body>"
        b"</w:document>",
        **extra,
    }


def docx_bytes() -> bytes:
    return zip_bytes(docx_entries())


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "研发投入"
    workbook.active["B1"] = 1250000
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "file") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


class RawUpload(io.BytesIO):
    """A plain file-like upload whose name is exactly what a client sent, not cleaned by Django."""

    def __init__(self, content: bytes, name: str) -> None:
        super().__init__(content)
        self.name = name
        self.size = len(content)


def refusal(content: bytes, name: str = "file", **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as excinfo:
        inspect_upload(upload(content, name), **kwargs)
    return excinfo.value


# --- Accepted kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "kind", "content_type"),
    [
        (lambda: PDF, "营业执照.pdf", "pdf", "application/pdf"),
        (png_bytes, "logo.png", "png", "image/png"),
        (jpeg_bytes, "现场照片.JPEG", "jpg", "image/jpeg"),
        (docx_bytes, "申报书.docx", "docx", CONTENT_TYPES["docx"]),
        (xlsx_bytes, "研发费用明细.xlsx", "xlsx", CONTENT_TYPES["xlsx"]),
    ],
)
def test_each_allowed_kind_is_recognised(make, name, kind, content_type):
    content = make()
    file = upload(content, name)
    info = inspect_upload(file)
    assert info == UploadInfo(
        kind=kind,
        content_type=content_type,
        extension=f".{kind}",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        safe_name=name.rsplit(".", 1)[0] + f".{kind}",
    )
    assert file.tell() == 0
    assert file.read() == content


def test_the_result_cannot_be_changed():
    info = inspect_upload(upload(PDF, "a.pdf"))
    with pytest.raises(AttributeError):
        info.kind = "docx"


def test_a_png_named_pdf_is_taken_as_the_png_it_is():
    info = inspect_upload(upload(png_bytes(), "营业执照.pdf"))
    assert info.kind == "png"
    assert info.content_type == "image/png"
    assert info.safe_name == "营业执照.png"


def test_a_plain_file_object_without_a_name_still_gets_one():
    info = inspect_upload(RawUpload(PDF, None))
    assert info.safe_name == "附件.pdf"


def test_the_sha256_covers_a_file_larger_than_one_chunk():
    content = PDF + b"%" + b"x" * (3 * 64 * 1024 + 17)
    file = upload(content, "big.pdf")
    file.read(10)  # the position before inspection does not matter
    info = inspect_upload(file)
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert info.size == len(content)
    assert file.tell() == 0


# --- Right name, wrong content -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"<!DOCTYPE html><html><body>hi</body></html>", "license.pdf", "a web page (HTML)"),
        (b"\xef\xbb\xbf  <html><script>alert(1)</script>", "photo.jpg", "a web page (HTML)"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program", "report.pdf", "an executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "table.xlsx", "an executable"),
        (b"#!/bin/sh\nrm -rf /\n", "a.docx", "an executable"),
        (b"just some notes\n\xe7\x94\xb3\xe6\x8a\xa5\n", "notes.docx", "a plain text file"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "scan.png", "a GIF image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "IMG_0001.jpg", "a HEIC photo"),
        (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, "all.pdf", "a compressed archive"),
        (b"{\\rtf1\\ansi hello}", "letter.docx", "an RTF document"),
    ],
)
def test_an_allowed_name_with_disallowed_content_is_refused(content, name, says):
    refused = refusal(content, name)
    assert refused.code == "not_allowed"
    assert refused.message.startswith("Only PDF, JPG, PNG, DOCX and XLSX files are accepted;")
    assert says in refused.message


def test_unrecognised_binary_content_is_refused():
    refused = refusal(bytes(range(256)) * 4, "data.pdf")
    assert refused.code == "not_allowed"
    assert "the content of this file is none of them" in refused.message


def test_a_plain_zip_named_docx_is_refused_as_a_zip():
    refused = refusal(zip_bytes({"photos/a.txt": b"hello"}), "申报书.docx")
    assert refused.message == "This file is a ZIP archive, not a Word or Excel document."


def test_a_powerpoint_named_docx_is_refused_by_name_of_what_it_is():
    pptx = zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p/>"})
    assert "a PowerPoint presentation" in refusal(pptx, "a.docx").message


def test_an_old_word_file_is_refused_with_advice():
    refused = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "申报书.docx")
    assert refused.code == "old_office"
    assert "save it as .docx or .xlsx" in refused.message


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "a PNG image"),
        (b"\xff\xd8\xff\x00\x00\x00\x00", "a JPEG image"),
        (b"%PDF-garbage", "a PDF document"),
    ],
)
def test_a_damaged_image_or_pdf_is_refused(content, what):
    refused = refusal(content, "x.pdf")
    assert refused.code == "damaged"
    assert refused.message.startswith(f"This file starts like {what} but is damaged")


# --- Size --------------------------------------------------------------------------------------


class Unreadable:
    """A huge upload that fails the test if anything reads it."""

    name = "huge.pdf"

    def __init__(self, size: int) -> None:
        self.size = size

    def read(self, *args):
        raise AssertionError("the file was read")

    seek = chunks = read


def test_an_oversized_file_is_refused_without_reading_it():
    with pytest.raises(UploadRefused) as excinfo:
        inspect_upload(Unreadable(int(12.4 * MiB)))
    assert excinfo.value.code == "too_large"
    assert excinfo.value.message == "The file is 12.4 MB; the limit is 10 MB."


def test_a_file_just_over_the_limit_does_not_look_equal_to_it():
    with pytest.raises(UploadRefused) as excinfo:
        inspect_upload(Unreadable(10 * MiB + 1))
    assert excinfo.value.message == "The file is 10.1 MB; the limit is 10 MB."


def test_the_limit_comes_from_settings(settings):
    settings.ATTACHMENT_MAX_SIZE = 2 * MiB
    with pytest.raises(UploadRefused) as excinfo:
        inspect_upload(Unreadable(3 * MiB))
    assert excinfo.value.message == "The file is 3 MB; the limit is 2 MB."
    assert inspect_upload(upload(PDF, "a.pdf")).kind == "pdf"


def test_an_explicit_limit_wins():
    refused = refusal(PDF, "a.pdf", max_size=100)
    assert refused.message == f"The file is {len(PDF)} bytes; the limit is 100 bytes."


def test_a_file_larger_than_its_declared_size_is_refused_while_reading():
    file = upload(PDF + b"%" * (2 * MiB), "a.pdf")
    file.size = 10
    with pytest.raises(UploadRefused) as excinfo:
        inspect_upload(file, max_size=MiB)
    assert excinfo.value.code == "too_large"
    assert file.tell() == 0


def test_an_empty_file_is_refused():
    refused = refusal(b"", "empty.pdf")
    assert refused.code == "empty"
    assert refused.message == "The file is empty."


# --- Word and Excel files that are unsafe ------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A DOCX whose document.xml is 200 MB of zeros, deflated to a few hundred kilobytes."""
    buffer = io.BytesIO()
    zeros = bytes(MiB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        with archive.open("word/document.xml", mode="w") as entry:
            for _ in range(200):
                entry.write(zeros)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_quickly(zip_bomb):
    assert len(zip_bomb) < 2 * MiB
    started = time.monotonic()
    refused = refusal(zip_bomb, "申报书.docx")
    assert time.monotonic() - started < 5
    assert refused.code == "unsafe_archive"
    assert "possible zip bomb" in refused.message
    assert "word/document.xml" in refused.message
    assert "200 MB" in refused.message


def test_a_small_very_compressible_part_is_fine():
    content = zip_bytes(docx_entries(**{"word/styles.xml": b" " * (MiB - 1)}))
    assert inspect_upload(upload(content, "a.docx")).kind == "docx"


def test_a_part_over_one_megabyte_compressing_over_a_hundred_times_is_refused():
    content = zip_bytes(docx_entries(**{"word/media/blank.bmp": bytes(2 * MiB)}))
    refused = refusal(content, "a.docx")
    assert "word/media/blank.bmp would expand to 2 MB" in refused.message


def declare_sizes(content: bytes, size: int) -> bytes:
    """The archive with every central-directory entry claiming ``size`` bytes, both ways."""
    patched = bytearray(content)
    for match in re.finditer(re.escape(b"PK\x01\x02"), content):
        struct.pack_into("<II", patched, match.start() + 20, size, size)
    return bytes(patched)


def test_a_total_declared_size_over_100_mb_is_refused():
    entries = docx_entries(**{"xl/a.xml": b"a", "xl/b.xml": b"b"})
    content = declare_sizes(zip_bytes(entries, compression=zipfile.ZIP_STORED), 30 * MiB)
    refused = refusal(content, "a.docx")
    assert refused.message == (
        "This document was refused as a possible zip bomb: it would expand to 150 MB; "
        "the limit is 100 MB."
    )


def test_too_many_entries_are_refused():
    entries = docx_entries(**{f"word/media/{number}.xml": b"" for number in range(2000)})
    refused = refusal(zip_bytes(entries, compression=zipfile.ZIP_STORED), "a.docx")
    assert refused.message == "This document has 2003 parts inside; at most 2000 are accepted."


@pytest.mark.parametrize(
    "inner", ["word/embeddings/Microsoft_Excel_Worksheet.xlsx", "payload.zip", "x/y.DOCX"]
)
def test_an_archive_inside_the_archive_is_refused(inner):
    refused = refusal(zip_bytes(docx_entries(**{inner: docx_bytes()})), "a.docx")
    assert refused.code == "unsafe_archive"
    assert f"contains another archive ({inner})" in refused.message


@pytest.mark.parametrize(
    "path", ["../evil.xml", "word/../../evil.xml", "word\\..\\evil.xml", "/etc/cron.d/x", "C:/x"]
)
def test_an_entry_with_an_unsafe_path_is_refused(path):
    refused = refusal(zip_bytes(docx_entries(**{path: b"x"})), "a.docx")
    assert refused.message == f"This document contains an unsafe path ({path}) and was refused."


def needs_zip_version(content: bytes, version: int) -> bytes:
    """The archive claiming its first entry needs a newer zip version than Python can read."""
    patched = bytearray(content)
    struct.pack_into("<H", patched, content.index(b"PK\x01\x02") + 6, version)
    return bytes(patched)


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 100,
        b"PK\x03\x04garbage",
        docx_bytes()[: len(docx_bytes()) // 2],
        needs_zip_version(docx_bytes(), 64),
    ],
    ids=["zeros", "garbage", "truncated", "unsupported-version"],
)
def test_a_corrupt_zip_is_refused_cleanly(content):
    refused = refusal(content, "a.docx")
    assert refused.code == "damaged"
    assert refused.message.startswith("This file starts like a Word or Excel document but is")


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\evil\\a.pdf", "a.pdf"),
        ("a\x00\x1fb.pdf", "ab.pdf"),
        ("", "附件.pdf"),
        ("..", "附件.pdf"),
        (".pdf", "附件.pdf"),
        ('  <营业执照>  副本?:*|"  .PDF', "营业执照 副本.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),
        ("report.exe", "report.exe.pdf"),
        ("tab\tand\nnewline.pdf", "tab and newline.pdf"),
    ],
)
def test_names_become_harmless(name, expected):
    assert safe_name(name, extension=".pdf") == expected
    assert inspect_upload(RawUpload(PDF, name)).safe_name == expected


def test_a_long_chinese_name_is_cut_to_100_characters_keeping_the_extension():
    name = "关于申报高新技术企业认定奖励的材料" * 18 + ".docx"  # 306 characters
    result = inspect_upload(upload(docx_bytes(), name)).safe_name
    assert len(result) == 100
    assert result.startswith("关于申报高新技术企业认定奖励的材料")
    assert result.endswith(".docx")


# --- Where files are stored --------------------------------------------------------------------


def test_the_storage_path_never_uses_the_users_name():
    info = inspect_upload(upload(PDF, "../../etc/passwd.pdf"))
    first = storage_path(enterprise_id=42, info=info)
    second = storage_path(enterprise_id=42, info=info)
    today = timezone.localdate()
    assert re.fullmatch(rf"attachments/42/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.pdf", first)
    assert first != second
    assert "passwd" not in first


@pytest.mark.parametrize("bad", ["../1", 0, -3, True, None])
def test_the_storage_path_needs_a_real_enterprise_id(bad):
    info = inspect_upload(upload(PDF, "a.pdf"))
    with pytest.raises(ValueError, match="enterprise_id"):
        storage_path(enterprise_id=bad, info=info)


# --- The form field ----------------------------------------------------------------------------


class AttachmentForm(forms.Form):
    attachment = AttachmentField(max_size=MiB)
    optional = AttachmentField(required=False)


def test_the_form_field_accepts_a_real_file_and_says_what_it_is():
    form = AttachmentForm(files={"attachment": upload(png_bytes(), "license.pdf")})
    assert form.is_valid(), form.errors
    cleaned = form.cleaned_data["attachment"]
    assert cleaned.inspected.kind == "png"
    assert cleaned.inspected.safe_name == "license.png"
    assert form.cleaned_data["optional"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>not a licence</html>", "this file looks like a web page (HTML)."),
        (PDF + b"%" * MiB, "the limit is 1 MB."),
        (zip_bytes({"a.txt": b"a"}), "This file is a ZIP archive, not a Word or Excel document."),
    ],
)
def test_the_form_field_refuses_with_the_reason(content, message):
    form = AttachmentForm(files={"attachment": upload(content, "license.pdf")})
    assert not form.is_valid()
    [error] = form.errors["attachment"]
    assert error.endswith(message)


def test_the_form_field_tells_the_browser_what_to_offer():
    assert 'accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"' in str(AttachmentForm()["attachment"])


# --- Anything at all ---------------------------------------------------------------------------

SIGNATURES = [b"", b"%PDF-1.7", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", b"\xff\xd8\xff\xe0"]
SIGNATURES += [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>", b"MZ"]


@st.composite
def contents(draw):
    """Random bytes, random bytes behind a known signature, or a real file with bytes changed."""
    choice = draw(st.sampled_from(["random", "signature", "mutated"]))
    if choice == "random":
        return draw(st.binary(max_size=2048))
    if choice == "signature":
        return draw(st.sampled_from(SIGNATURES)) + draw(st.binary(max_size=2048))
    content = bytearray(draw(st.sampled_from([PDF, png_bytes(), jpeg_bytes(), docx_bytes()])))
    for _ in range(draw(st.integers(0, 8))):
        content[draw(st.integers(0, len(content) - 1))] = draw(st.integers(0, 255))
    return bytes(content[: draw(st.integers(0, len(content)))])


@given(content=contents(), name=st.text(max_size=300))
def test_any_bytes_with_any_name_are_refused_cleanly_or_accepted_as_an_allowed_kind(content, name):
    file = RawUpload(content, name)
    try:
        info = inspect_upload(file)
    except UploadRefused as refused:
        assert refused.message
    else:
        assert info.kind in CONTENT_TYPES
        assert info.safe_name.endswith(info.extension)
        assert 0 < len(info.safe_name) <= 100
        assert not re.search(r'[<>:"|?*/\\\x00-\x1f]', info.safe_name)
        assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert file.tell() == 0
