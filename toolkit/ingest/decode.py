"""The bytes of a CSV return as UTF-8 text with ``\\n`` line ends, which the CSV reader reads.

A UTF-8 file (with or without a byte-order mark, LF or CRLF line ends) is read where it is.
A CP949/EUC-KR file (the Korean government systems' encoding), a file with classic Mac line
ends (CR only), or a file whose encoding the user names, is decoded here and written as a UTF-8
copy in a temporary folder. A file that is not text (UTF-16, a NUL byte, a known binary
signature), or that mixes encodings, is refused with words a user can act on.
"""

from __future__ import annotations

import codecs
import tempfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.ingest.errors import UnreadableFile

#: How much is read at a time when a file is checked for UTF-8.
BLOCK = 1 << 20

#: Signatures of files that are often saved with a wrong extension, and what they are.
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or an XLSX workbook; an XLSX file must end in .xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; save it as .xlsx or CSV UTF-8"),
    (b"PAR1", "a Parquet file; a Parquet file must end in .parquet"),
    (b"%PDF", "a PDF document, not data"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"\x89PNG", "a PNG image, not data"),
    (b"\xff\xd8\xff", "a JPEG image, not data"),
    (b"GIF8", "a GIF image, not data"),
)


@dataclass
class Utf8File:
    """A UTF-8 version of a CSV return: the file itself or a decoded copy."""

    path: Path
    #: The encoding the file was read in (``utf-8``, ``utf-8-sig``, ``cp949`` or the one named).
    encoding: str
    #: Whether the text holds a quote at all (without one, no record spans two lines).
    quoted: bool = True
    #: The temporary folder of a decoded copy (removed by :meth:`close`).
    folder: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


def check_encoding(encoding: str | None) -> None:
    """Raise ValueError, in words for the user, if ``encoding`` names no text encoding."""
    if encoding is None:
        return
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} (try utf-8 or cp949)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{encoding!r} is not a text encoding (try utf-8 or cp949)")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def what_binary(data: bytes) -> str:
    """What a file that is not CSV text is, from its first bytes."""
    for magic, what in SIGNATURES:
        if data.startswith(magic):
            return f"the file is {what}"
    nul = data.find(b"\x00")
    if nul > 0 and b"\n" in data[:nul]:
        return (f"line {_line_of(data, nul)} holds a NUL character (byte 0): the file is "
                "damaged, or is not CSV text")
    return "the file is binary, not CSV text"


def _scan_utf8(path: Path) -> tuple[bool, bool, bool, bool]:
    """Whether the file is UTF-8, holds a NUL byte, has CR line ends without LF, and holds a
    quote."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, nul, lf, cr, quote = True, False, False, False, False
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            nul = nul or b"\x00" in block
            lf = lf or b"\n" in block
            cr = cr or b"\r" in block
            quote = quote or b'"' in block
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return utf8, nul, cr and not lf, quote


def _classify_lines(data: bytes) -> tuple[int | None, int | None, int | None]:
    """First line that is UTF-8 (with a non-Latin letter), first CP949-only, first neither."""
    utf8, cp949, neither = None, None, None
    for line, raw in enumerate(data.split(b"\n"), start=1):
        if raw.isascii():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw.decode("cp949")
            except UnicodeDecodeError:
                neither = neither or line
            else:
                cp949 = cp949 or line
            continue
        if any(ord(ch) >= 0x800 for ch in text):
            utf8 = utf8 or line
        if utf8 and cp949 and neither:
            break
    return utf8, cp949, neither


def _unlikely_cp949(text: str, sample: int = 2000) -> bool:
    """Whether CP949-decoded text is more likely Windows-1252/Latin-1 read wrongly.

    Such bytes decode mostly to the rare Hangul of CP949's extension (a lead byte, then an
    ASCII letter: ``’s`` in Windows-1252); real Korean text is mostly the common syllables
    of KS X 1001, whose bytes are all above 0xA0.
    """
    rare = common = 0
    for ch in text:
        if ch < "\x80":
            continue
        encoded = ch.encode("cp949")
        if len(encoded) == 2 and encoded[1] < 0x80:
            rare += 1
        else:
            common += 1
        if rare + common >= sample:
            break
    return rare > common


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode a CSV file's bytes; return the text and the encoding used.

    Without ``encoding``: UTF-8 (with or without BOM), else CP949 (a superset of EUC-KR); a
    file mixing the two is refused.
    """
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if encoding:
        name = codecs.lookup(encoding).name
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"line {_line_of(data, exc.start)} is not valid {encoding} text; check the "
                "--encoding option") from exc
        if "\x00" in text:
            raise UnreadableFile(what_binary(data))
        return text, encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("the file is UTF-16 text; save it as CSV UTF-8")
    if b"\x00" in data[:8192] or data.startswith(tuple(m for m, _ in SIGNATURES)):
        raise UnreadableFile(what_binary(data))
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, used = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"line {_line_of(data, exc.start + 3)} is not valid UTF-8, although the file "
                "starts with a UTF-8 byte-order mark; save the whole file as CSV UTF-8") from exc
    else:
        try:
            text, used = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, used = _decode_cp949(data), "cp949"
    if "\x00" in text:
        raise UnreadableFile(what_binary(data))
    return text, used


def _decode_cp949(data: bytes) -> str:
    utf8, cp949, neither = _classify_lines(data)
    if neither:
        raise UnreadableFile(
            f"line {neither} is neither UTF-8 nor CP949/EUC-KR text; save the file as CSV "
            "UTF-8, or name its encoding with --encoding")
    if utf8 and cp949:
        raise UnreadableFile(
            f"the file mixes encodings: line {utf8} is UTF-8 but line {cp949} is CP949/EUC-KR; "
            "save the whole file as CSV UTF-8")
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError as exc:  # a character split across lines
        raise UnreadableFile(
            f"line {_line_of(data, exc.start)} is neither UTF-8 nor CP949/EUC-KR text; save "
            "the file as CSV UTF-8, or name its encoding with --encoding") from None
    if _unlikely_cp949(text):
        raise UnreadableFile(
            f"line {cp949} is not UTF-8, and read as CP949/EUC-KR it gives unlikely "
            "characters: it may be Windows-1252 or Latin-1; save the file as CSV UTF-8, or "
            "name its encoding with --encoding (e.g. cp1252)")
    return text


def utf8_file(path: Path, encoding: str | None = None) -> Utf8File:
    """The file as UTF-8 with ``\\n`` line ends: itself when it already is, else a copy."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if encoding is None and head.strip():
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile("the file is UTF-16 text; save it as CSV UTF-8")
        if b"\x00" in head or head.startswith(tuple(m for m, _ in SIGNATURES)):
            raise UnreadableFile(what_binary(head))
        utf8, nul, mac, quoted = _scan_utf8(path)
        if utf8 and not nul and not mac:
            return Utf8File(path, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8",
                            quoted)
    data = path.read_bytes()
    text, used = decode(data, encoding)
    if "\r" in text and "\n" not in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    folder = tempfile.TemporaryDirectory(prefix="toolkit-csv-")
    copy = Path(folder.name) / "utf8.csv"
    copy.write_text(text, encoding="utf-8", newline="")
    return Utf8File(copy, used, '"' in text, folder)
