import pytest

from metadata.folding import fold, loose, tokens

# Kazakh letters: Cyrillic, 2017 (apostrophe), 2018 (acute), 2021 (diacritics).
KAZAKH = [
    ("а", "a", "a", "a"), ("ә", "a'", "á", "ä"), ("б", "b", "b", "b"), ("в", "v", "v", "v"),
    ("г", "g", "g", "g"), ("ғ", "g'", "ǵ", "ğ"), ("д", "d", "d", "d"), ("е", "e", "e", "e"),
    ("ж", "j", "j", "j"), ("з", "z", "z", "z"), ("и", "i'", "ı", "i"), ("й", "i'", "ı", "i"),
    ("і", "i", "i", "ı"), ("к", "k", "k", "k"), ("қ", "q", "q", "q"), ("л", "l", "l", "l"),
    ("м", "m", "m", "m"), ("н", "n", "n", "n"), ("ң", "n'", "ń", "ñ"), ("о", "o", "o", "o"),
    ("ө", "o'", "ó", "ö"), ("п", "p", "p", "p"), ("р", "r", "r", "r"), ("с", "s", "s", "s"),
    ("т", "t", "t", "t"), ("у", "y'", "ý", "u"), ("ұ", "u", "u", "ū"), ("ү", "u'", "ú", "ü"),
    ("ф", "f", "f", "f"), ("х", "h", "h", "h"), ("һ", "h", "h", "h"), ("ч", "c'", "ch", "ch"),
    ("ш", "s'", "sh", "ş"), ("ы", "y", "y", "y"),
]


@pytest.mark.parametrize("cyrillic,v2017,v2018,v2021", KAZAKH)
def test_every_kazakh_letter_folds_to_one_key(cyrillic, v2017, v2018, v2021):
    # Inside a word ("т…м"), so that the 2017 apostrophe is word-internal as in real text.
    forms = [f"т{cyrillic}м", f"t{v2017}m", f"t{v2018}m", f"t{v2021}m"]
    assert len({fold(f) for f in forms}) == 1, [fold(f) for f in forms]
    upper = [f.upper() for f in forms]
    assert {fold(f) for f in upper} == {fold(forms[0])}


@pytest.mark.parametrize("cyrillic,v2017,v2018,v2021", KAZAKH)
def test_word_final_2017_apostrophe(cyrillic, v2017, v2018, v2021):
    assert fold(f"та{cyrillic}") == fold(f"ta{v2017}") == fold(f"ta{v2018}") == fold(f"ta{v2021}")


@pytest.mark.parametrize("kazakh,plain", [
    ("ә", "a"), ("ғ", "g"), ("қ", "k"), ("ң", "n"), ("ө", "o"), ("ұ", "u"), ("ү", "u"),
    ("і", "i"), ("ı", "i"), ("ш", "sh"), ("һ", "h"), ("ä", "a"), ("ğ", "g"), ("ñ", "n"), ("ö", "o"),
    ("ü", "u"), ("ū", "u"), ("ş", "sh"), ("á", "a"), ("ó", "o"), ("ú", "u"), ("ý", "u"), ("ń", "n"), ("ǵ", "g"),
])
def test_loose_drops_diacritics(kazakh, plain):
    assert loose(f"т{kazakh}м") == loose(f"t{plain}m")


def test_distinct_letters_stay_distinct_in_fold():
    for a, b in [("ә", "а"), ("ө", "о"), ("ү", "у"), ("қ", "к"), ("ң", "н"), ("ғ", "г"), ("ы", "і")]:
        assert fold(f"т{a}м") != fold(f"т{b}м")


OSKEMEN = ["Өскемен", "Öskemen", "O'skemen", "O’skemen", "Óskemen", "ӨСКЕМЕН", "ÖSKEMEN"]


def test_oskemen():
    assert len({fold(w) for w in OSKEMEN}) == 1
    assert len({loose(w) for w in OSKEMEN + ["Oskemen", "oskemen"]}) == 1
    assert fold("Oskemen") != fold("Өскемен")  # exact key keeps ө


@pytest.mark.parametrize("old,modern", [
    ("хлѣбъ", "хлеб"),
    ("Россійской", "Российской"),
    ("Ѳеодоръ", "Феодор"),
    ("Ѳома", "Фома"),
    ("мѵро", "миро"),
    ("недѣля", "неделя"),
    ("ВѢСТНИКЪ", "вестник"),
    ("Изъ", "Из"),
    ("ёлка", "елка"),
])
def test_pre_1918_russian(old, modern):
    assert fold(old) == fold(modern)


def test_samples_2021_latin_matches_cyrillic():
    assert fold("AUYL MEKTEBINIÑ TARİHYNAN") == fold("Ауыл мектебінің тарихынан")
    assert fold("Bızdıñ auyldağy alğaşqy mektep") == fold("Біздің ауылдағы алғашқы мектеп")
    assert fold("Biz'din' auyldag'y alg'ashqy") == fold("Біздің ауылдағы алғашқы")
    assert fold("şahar") == fold("шаһар")


def test_loose_transliterations():
    assert loose("Zhezkazgan") == loose("Жезқазған")
    assert loose("Semey") == loose("Семей")
    assert loose("Kyzylorda") == loose("Қызылорда")
    assert loose("Shymkent") == loose("Шымкент")
    assert loose("Mikhail") == loose("Михаил")


def test_ocr_homoglyphs_in_cyrillic_words():
    assert fold("Ceмей") == fold("Семей")  # Latin C


def test_fold_keeps_text_between_words():
    assert fold("Өскемен, 1916 ж.") == "öskemen, 1916 j."
    assert fold("Ер-тұрман") == "er-turman"


def test_tokens_spans_and_keys():
    text = "«O'skemen» — Ер-тұрман; bizdin' 'Almaty' соғы-\nсы"
    found = tokens(text)
    assert [t.text for t in found] == ["O'skemen", "Ер", "тұрман", "bizdin'", "Almaty", "соғы-\nсы"]
    for token in found:
        assert text[token.start:token.end] == token.text
    assert found[0].key == fold("Өскемен") and found[0].loose_key == "oskemen"
    assert found[3].key == fold("біздің")
    assert found[5].key == fold("соғысы")


def test_tokens_query_and_document_agree():
    document = [t.loose_key for t in tokens("Өскемен қаласының тарихы")]
    query = [t.loose_key for t in tokens("Oskemen qalasynyn")]
    assert query == document[:2]


def test_fold_is_idempotent_on_keys():
    for text in ["Өскемен", "хлѣбъ", "Bızdıñ", "ВѢСТНИКЪ"]:
        assert fold(fold(text)) == fold(text)
