import pytest

from metadata.dc import LangValue
from metadata.errors import ValidationError
from metadata.sheet import FIELD_SIZE_LIMIT, parse_column, read_item_yaml, read_sheet

HEADER = "path,title@kk-Cyrl,title@ru,creator,date,dcterms:spatial,rights,type,collection,access,languages,catalogue\n"


def write(tmp_path, text, name="sheet.csv", encoding="utf-8"):
    target = tmp_path / name
    target.write_bytes(text.encode(encoding))
    return target


def test_good_sheet_with_bom_and_repeats(tmp_path):
    sheet = write(tmp_path, "\ufeff" + HEADER
                  + "s01.png,Көкжар ауылының шежіресі||Шежіре,Летопись аула Кокжар,Әбдіхалықов Қ.||Иванов И.,"
                    "2019,Өскемен,https://creativecommons.org/licenses/by/4.0,text,kokjar,reading-room,kaz+rus,"
                    "ISBN 978-0-306-40615-7\n"
                  + "s02.jpg,Мұражай қоры,,,1920~,,,StillImage,,,,RU-123456\n"
                  + ",,,,,,,,,,,\n")
    result = read_sheet(sheet)
    assert result.problems == []
    first, second = result.rows
    assert (first.row_number, first.path, first.collection, first.access, first.languages) == \
        (2, "s01.png", "kokjar", "reading-room", "kaz+rus")
    assert first.record.get("title") == (
        LangValue("Көкжар ауылының шежіресі", "kk-Cyrl"), LangValue("Шежіре", "kk-Cyrl"),
        LangValue("Летопись аула Кокжар", "ru"))
    assert first.record.values("creator") == ["Әбдіхалықов Қ.", "Иванов И."]
    assert first.record.values("spatial") == ["Өскемен"]
    assert first.record.values("rights") == ["http://creativecommons.org/licenses/by/4.0/"]  # normalised
    assert first.record.values("type") == ["Text"]
    assert second.catalogue == "RU-123456" and second.access is None
    assert result.valid_rows() == [first, second]


def test_bad_date_and_bad_tag_mark_only_their_row(tmp_path):
    sheet = write(tmp_path, "path,title,date,language,description@kk-Cyrl\n"
                            "a.png,A,12/03/1928,kk,x\n"
                            "b.png,B,1928,kz,y\n"
                            "c.png,C,1916,ru,z\n")
    result = read_sheet(sheet)
    problems = [(p.row, p.column, p.field) for p in result.problems]
    assert problems == [(2, "date", "date"), (3, "language", "language")]
    assert "1928-03-12" in result.problems[0].message
    assert [r.valid for r in result.rows] == [False, False, True]
    assert [r.path for r in result.valid_rows()] == ["c.png"]


def test_bad_tag_in_header(tmp_path):
    result = read_sheet(write(tmp_path, "path,title@kz\na.png,A\n"))
    assert [(p.row, p.column) for p in result.problems][0] == (1, "title@kz")
    assert result.valid_rows() == []


def test_unknown_column(tmp_path):
    result = read_sheet(write(tmp_path, "path,title,titel\na.png,A,B\n"))
    assert [(p.row, p.column) for p in result.problems] == [(1, "titel")]
    assert "unknown column" in result.problems[0].message
    assert result.rows[0].valid and result.valid_rows() == []  # a header problem stops the batch


def test_missing_path(tmp_path):
    result = read_sheet(write(tmp_path, "path,title\n,Атауы\n"))
    assert [(p.row, p.column) for p in result.problems] == [(2, "path")]
    with pytest.raises(ValidationError) as caught:
        read_sheet(write(tmp_path, "title,date\nA,1916\n", "nopath.csv"))
    assert "'path' column" in str(caught.value)


def test_missing_title_and_bad_controls(tmp_path):
    result = read_sheet(write(tmp_path, "path,title,access,languages,catalogue\n"
                                        "a.png,,secret,kaz rus,ISBN 978-0-306-40615-8\n"))
    assert sorted(p.column for p in result.problems) == ["access", "catalogue", "languages", "title"]


def test_cp1251_is_refused_with_line(tmp_path):
    sheet = write(tmp_path, "path,title\na.png,Летопись\n", encoding="cp1251")
    with pytest.raises(ValidationError) as caught:
        read_sheet(sheet)
    message = str(caught.value)
    assert "line 2" in message and "UTF-8" in message and "Windows-1251" in message


def test_utf16_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="UTF-16"):
        read_sheet(write(tmp_path, "\ufeffpath,title\na,b\n", encoding="utf-16"))


def test_semicolon_sheet_and_quoted_cells(tmp_path):
    result = read_sheet(write(tmp_path, 'path;title;description\r\na.png;"A; B";"line one\r\nline two"\r\n'
                                        'b.png;=SUM(A1);+7 701 000\r\n'))
    assert result.problems == []
    assert result.rows[0].record.values("title") == ["A; B"]
    assert result.rows[0].record.values("description") == ["line one\r\nline two"]
    assert result.rows[1].row_number == 3
    assert result.rows[1].record.values("title") == ["=SUM(A1)"]  # kept as text


def test_long_field(tmp_path):
    long_text = "ұзақ " * 100_000  # ~ 600 KB, beyond csv's default 128 KiB limit
    result = read_sheet(write(tmp_path, f'path,title,description\na.png,A,"{long_text}"\n'))
    assert result.problems == []
    assert result.rows[0].record.values("description") == [long_text.strip()]
    too_long = "x" * (FIELD_SIZE_LIMIT + 10)
    with pytest.raises(ValidationError, match="line"):
        read_sheet(write(tmp_path, f'path,title,description\na.png,A,"{too_long}"\n', "huge.csv"))


def test_extra_cells(tmp_path):
    result = read_sheet(write(tmp_path, "path,title\na.png,A,surplus\n"))
    assert [(p.row, p.field) for p in result.problems] == [(2, "row")]


def test_empty_sheet(tmp_path):
    with pytest.raises(ValidationError, match="empty"):
        read_sheet(write(tmp_path, "\ufeff  \n"))


def test_parse_column():
    column = parse_column("dcterms:Spatial@KK-latn")
    assert (column.element, column.lang) == ("spatial", "kk-Latn")
    assert parse_column("Access").control == "access"


def test_item_yaml(tmp_path):
    folder = tmp_path / "item1"
    folder.mkdir()
    (folder / "item.yaml").write_text(
        "title@kk-Cyrl: Өскемен шежіресі\n"
        "title:\n  - {value: Летопись, lang: ru}\n  - No\n"
        "date: 1928-03-12\n"
        "issued: 0100\n"
        "language: [kk, ru]\n"
        "access: public\n", encoding="utf-8")
    row = read_item_yaml(folder / "item.yaml")
    assert row.valid, row.problems
    assert row.path == str(folder)
    assert row.record.get("title") == (
        LangValue("Өскемен шежіресі", "kk-Cyrl"), LangValue("No"), LangValue("Летопись", "ru"))
    assert row.record.values("date") == ["1928-03-12"]  # not a YAML date
    assert row.record.values("issued") == ["0100"]  # not octal 64
    assert row.access == "public"


def test_item_yaml_problems(tmp_path):
    target = tmp_path / "item.yaml"
    target.write_text("title: A\ndate: 12/03/1928\nauthor: X\n", encoding="utf-8")
    row = read_item_yaml(target)
    assert sorted(p.column for p in row.problems) == ["author", "date"]
    target.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="line"):
        read_item_yaml(target)


@pytest.mark.parametrize("value", ["Latin", "Cyrillic", "Latin+Cyrillic", "kaz+rus+eng", "kk_latn", "ru_prereform",
                                   "ru_modern", "kk_cyrl", "mixed"])
def test_languages_take_tesseract_model_and_profile_names_as_written(tmp_path, value):
    # Which names exist is checked by ingest against ocr/'s table; the sheet checks the form only.
    result = read_sheet(write(tmp_path, f"path,title,languages\na.png,Атауы,{value}\n"))
    assert result.problems == [] and result.rows[0].languages == value


@pytest.mark.parametrize("value", ["kaz rus", "kaz,rus", "+kaz", "kaz+", "Latin++Cyrillic"])
def test_languages_that_are_not_names_joined_by_plus_are_refused(tmp_path, value):
    result = read_sheet(write(tmp_path, f'path,title,languages\na.png,Атауы,"{value}"\n'))
    assert [(p.row, p.column) for p in result.problems] == [(2, "languages")]
    assert "kk_latn" in result.problems[0].message and "Latin+Cyrillic" in result.problems[0].message
