"""The query language parser: the tree it builds and the errors it gives (backend-independent)."""
from __future__ import annotations

import pytest

from repository.search.errors import QuerySyntaxError
from repository.search.query import And, DateRange, Match, Not, Or, parse, positive_matches


def words(node):
    return [w.text for w in node.words]


def test_free_text_is_an_and_of_words():
    node = parse("Өскемен хлеб")
    assert isinstance(node, And) and [words(c) for c in node.children] == [["Өскемен"], ["хлеб"]]
    assert node.children[0].words[0].key == "öskemen" and node.children[0].words[0].loose == "oskemen"


def test_operators_precedence_and_grouping():
    node = parse("a OR b c")
    assert isinstance(node, Or) and isinstance(node.children[1], And)
    node = parse("(a OR b) c")
    assert isinstance(node, And) and isinstance(node.children[0], Or)
    assert parse("a AND b") == parse("a b")
    assert parse("a NOT b") == parse("a -b") == And((parse("a"), Not(parse("b"))))
    assert parse("a or b") == parse("a  or  b")  # lower-case "or" is a word
    assert isinstance(parse("a or b"), And)


def test_phrase_prefix_fields_and_dates():
    phrase = parse('"Ертіс өзені"')
    assert isinstance(phrase, Match) and phrase.is_phrase and words(phrase) == ["Ертіс", "өзені"]
    assert parse("Ер-тұрман").is_phrase  # a hyphenated word is found as its parts in a row
    prefix = parse("Өске*")
    assert prefix.prefix and words(prefix) == ["Өске"]
    assert parse('title:"Өскемен тарихы"').field == "title"
    assert parse("creator:Жұмабаев").field == "creator"
    grouped = parse("subject:(a OR b)")
    assert all(c.field == "subject" for c in grouped.children)
    assert parse("date:1916") == DateRange(1916, 1916)
    assert parse("date:1910-1920") == DateRange(1910, 1920)
    assert parse("Ескерту: мәтін").children[0].field is None  # an unknown name with a colon is text


def test_positive_matches_skip_excluded_words():
    assert [words(m) for m in positive_matches(parse("a -b (c NOT d)"))] == [["a"], ["c"]]
    assert parse("") is None and parse("   ") is None


@pytest.mark.parametrize("text, message", [
    ('"Өскемен', "never closed"),
    ("(a OR b", "never closed"),
    ("a OR b)", "no matching"),
    ("a NOT", "NOT must be followed"),
    ("NOT", "NOT must be followed"),
    ("OR a", "OR needs a term before"),
    ("a OR", "OR needs a term after"),
    ("a AND", "AND needs a term after"),
    ("a AND OR b", "AND needs a term after"),
    ("()", "empty parentheses"),
    ('""', "the phrase has no words"),
    ("title:", "must be followed directly"),
    ("title: a", "must be followed directly"),
    ("date:19th", "date: takes a year"),
    ("date:1920-1910", "starts after it ends"),
    ("ab*c", "'*' may only end a word"),
    ("a*", "at least 2 letters"),
    ("*", "at least 2 letters"),
    ("— ,", "no words"),
    ("title:(creator:a)", "cannot be used inside"),
])
def test_syntax_errors_say_what_is_wrong(text, message):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.status == 400
