"""Golden MARC records written for the catalogue tests (built with pymarc, no files needed).

A Kazakh book in Cyrillic, a Russian book, a serial, a map, a record with 880 linked fields (Kazakh in
Latin and Cyrillic) and a UNIMARC (RUSMARC) Russian book; helpers write them as ISO 2709 or MARCXML.
"""
from __future__ import annotations

from pathlib import Path

from pymarc import Field, Indicators, Record, Subfield, XMLWriter


def _df(tag: str, ind: str, *pairs: str) -> Field:
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]),
                 subfields=[Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)])


def _cf(tag: str, data: str) -> Field:
    return Field(tag=tag, data=data)


def _record(leader: str, *fields: Field) -> Record:
    record = Record(leader=leader, force_utf8=True)
    record.add_field(*fields)
    return record


def f008(date1: str, lang: str, kind: str = "s", date2: str = "    ", place: str = "kz ") -> str:
    data = f"990101{kind}{date1}{date2}{place}" + " " * 17 + f"{lang} d"
    assert len(data) == 40, len(data)
    return data


def kazakh_book(control: str = "KZ-001", title_extra: str = "") -> Record:
    return _record(
        "00000nam a2200000 i 4500",
        _cf("001", control),
        _cf("008", f008("1928", "kaz")),
        _df("020", "  ", "a", "5-7667-8395-7 (в пер.)"),
        _df("041", "0 ", "a", "kaz"),
        _df("100", "1 ", "a", "Байтұрсынұлы, Ахмет,", "d", "1872-1937."),
        _df("245", "10", "a", "Тіл құралы :", "b", "қазақ тілінің сарфы" + title_extra + " /", "c", "А. Байтұрсынұлы."),
        _df("260", "  ", "a", "Қызылорда :", "b", "Қазақстан баспасы,", "c", "[1928?]"),
        _df("300", "  ", "a", "80 б. ;", "c", "22 см."),
        _df("500", "  ", "a", "Төте жазудан аударылған."),
        _df("650", " 7", "a", "Қазақ тілі", "x", "Грамматика."),
        _df("651", " 7", "a", "Қазақстан", "x", "Тарих."),
        _df("700", "1 ", "a", "Жұмабаев, Мағжан."),
        _df("856", "40", "u", "https://example.kz/kz-001"),
    )


def russian_book(control: str = "RU-002") -> Record:
    return _record(
        "00000nam a2200000 i 4500",
        _cf("001", control),
        _cf("008", f008("1916", "rus", place="ru ")),
        _df("020", "  ", "a", "9785930933420"),
        _df("100", "1 ", "a", "Семенов, Петр Петрович."),
        _df("245", "10", "a", "Россия :", "b", "полное географическое описание нашего отечества.", "n", "Т. 18,",
            "p", "Киргизский край /"),
        _df("246", "3 ", "a", "Киргизский край"),
        _df("260", "  ", "a", "СПб. :", "b", "Изд. А. Ф. Девриена,", "c", "c1903."),
        _df("300", "  ", "a", "478 с. :", "b", "ил., карты ;", "c", "25 см."),
        _df("490", "1 ", "a", "Россия ;", "v", "т. 18"),
        _df("520", "  ", "a", "Описание Степного края."),
        _df("600", "14", "a", "Семенов-Тян-Шанский, Петр Петрович,", "d", "1827-1914."),
        _df("830", " 0", "a", "Россия (серия)"),
    )


def serial() -> Record:
    return _record(
        "00000cas a2200000 a 4500",
        _cf("001", "SER-003"),
        _cf("008", f008("1916", "kaz", kind="d", date2="1930")),
        _df("022", "  ", "a", "0123-4567"),
        _df("245", "00", "a", "Қазақ :", "b", "газет."),
        _df("260", "  ", "a", "Орынбор,", "c", "1913-1918."),
        _df("310", "  ", "a", "Апталық"),
        _df("710", "2 ", "a", "Алаш партиясы."),
    )


def map_record() -> Record:
    return _record(
        "00000cem a2200000 a 4500",
        _cf("001", "MAP-004"),
        _cf("008", f008("192u", "rus", kind="q", date2="1929")),
        _df("034", "1 ", "a", "a", "b", "1000000", "d", "E0460000", "e", "E0870000", "f", "N0550000", "g", "N0400000"),
        _df("245", "10", "a", "Карта Казакской АССР"),
        _df("255", "  ", "a", "Масштаб 1:1 000 000", "c", "(E 46°--E 87°/N 55°--N 40°)."),
        _df("260", "  ", "a", "М.,", "c", "192-?"),
        _df("300", "  ", "a", "1 к. :", "b", "цв. ;", "c", "60 x 90 см."),
        _df("651", " 0", "a", "Казахстан", "v", "Карты."),
        _df("655", " 7", "a", "Географические карты."),
    )


def linked_scripts() -> Record:
    """A Kazakh book catalogued in Latin script with 880 fields in Cyrillic."""
    return _record(
        "00000nam a2200000 i 4500",
        _cf("001", "LNK-005"),
        _cf("008", f008("2021", "kaz")),
        _df("100", "1 ", "6", "880-01", "a", "Äuezov, Múhtar."),
        _df("245", "10", "6", "880-02", "a", "Abai joly /", "c", "M. Äuezov."),
        _df("264", " 1", "a", "Almaty :", "b", "Jazuşy,", "c", "2021."),
        _df("880", "1 ", "6", "100-01/(N", "a", "Әуезов, Мұхтар."),
        _df("880", "10", "6", "245-02/(N", "a", "Абай жолы /", "c", "М. Әуезов."),
    )


def unimarc_russian_book(control: str = "RU\\NLR\\bibl\\0006") -> Record:
    record = Record(leader="00000nam0 2200000   450 ")
    record.add_field(
        _cf("001", control),
        _df("010", "  ", "a", "5-02-011587-8", "d", "20 р."),
        _df("100", "  ", "a", "19990101d1999    k  y0rusy50      ca"),
        _df("101", "0 ", "a", "rus"),
        _df("200", "1 ", "a", "История Казахстана", "e", "с древнейших времен до наших дней", "f", "М. К. Козыбаев"),
        _df("210", "  ", "a", "Алматы", "c", "Дәуір", "d", "1999"),
        _df("215", "  ", "a", "340 с.", "c", "ил.", "d", "22 см"),
        _df("225", "2 ", "a", "Историческая библиотека", "v", "вып. 3"),
        _df("330", "  ", "a", "Обзор истории края."),
        _df("606", "1 ", "a", "Казахстан", "x", "История"),
        _df("607", "  ", "a", "Восточный Казахстан"),
        _df("700", " 1", "a", "Козыбаев", "b", "М. К."),
        _df("702", " 1", "a", "Абылхожин", "b", "Ж. Б.", "4", "340"),
    )
    return record


def deleted(record: Record) -> Record:
    leader = str(record.leader)
    record.leader = leader[:5] + "d" + leader[6:]
    return record


def iso2709(*records: Record, encoding: str = "utf-8") -> bytes:
    """The records as ISO 2709 bytes (UTF-8, leader/09 'a'; or cp1251 with leader/09 blank)."""
    out = b""
    for record in records:
        if encoding == "utf-8":
            out += record.as_marc()
        else:
            leader = str(record.leader)
            record.leader = leader[:9] + " " + leader[10:]
            out += _encode(record, encoding)
    return out


def _encode(record: Record, encoding: str) -> bytes:
    """ISO 2709 in an 8-bit encoding (pymarc writes UTF-8 only): re-encode each field's bytes."""
    fields, directory, offset = b"", b"", 0
    for f in record.fields:
        if f.is_control_field():
            data = f.data.encode(encoding) + b"\x1e"
        else:
            data = (f.indicator1 + f.indicator2).encode("ascii") + b"".join(
                b"\x1f" + sf.code.encode("ascii") + sf.value.encode(encoding) for sf in f.subfields) + b"\x1e"
        directory += f"{f.tag}{len(data):04d}{offset:05d}".encode("ascii")
        fields += data
        offset += len(data)
    base = 24 + len(directory) + 1
    length = base + len(fields) + 1
    leader = str(record.leader)
    leader = f"{length:05d}{leader[5:12]}{base:05d}{leader[17:]}"
    return leader.encode("ascii") + directory + b"\x1e" + fields + b"\x1d"


def marcxml(*records: Record) -> bytes:
    import io

    buffer = io.BytesIO()
    writer = XMLWriter(buffer)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Broken records, as bytes, each breaking one rule a reader must check.
def bad_base_address(record: Record) -> bytes:
    data = bytearray(record.as_marc())
    data[12:17] = b"99999"
    return bytes(data)


def bad_directory(record: Record) -> bytes:
    data = bytearray(record.as_marc())
    data[24:27] = b"2x#"  # a tag with a byte that is not a letter or digit
    return bytes(data)


def wrong_field_length(record: Record) -> bytes:
    data = bytearray(record.as_marc())
    entry = data[24:36]
    length = int(entry[3:7]) + 3
    data[27:31] = f"{length:04d}".encode("ascii")
    return bytes(data)


def invalid_utf8(record: Record) -> bytes:
    data = record.as_marc()
    title = "Тіл құралы".encode("utf-8")
    return data.replace(title, b"\xff\xfe" + title[2:], 1)


def leader_too_long(record: Record) -> bytes:
    data = bytearray(record.as_marc())
    data[0:5] = f"{len(data) + 50:05d}".encode("ascii")
    return bytes(data)
