"""The key rules, tested as the pure functions they are."""

import pytest

from storage.errors import InvalidKey, StorageError
from storage.keys import MAX_KEY_BYTES, is_valid_key, validate_key, validate_prefix

GOOD = [
    "item.json",
    "items/ab12/pages/0001/master.tif",
    "a/b/c",
    "x~y_z-1.2",
    "...hidden",  # dots are only refused as a whole segment
    "a" * MAX_KEY_BYTES,
]

BAD = {
    "": "empty key",
    "../x": "'..'",
    "a/../b": "'..'",
    "a/./b": "'.'",
    ".": "'.'",
    "/x": "leading '/'",
    "a//b": "empty segment",
    "a/": "empty segment",
    "a\x00b": "NUL",
    "a\\b": "outside",
    "a b": "outside",
    "қазақ.txt": "outside",  # ASCII only, by design
    "a#b": "outside",
    "a" * (MAX_KEY_BYTES + 1): "longer than",
}


@pytest.mark.parametrize("key", GOOD)
def test_good_keys_are_returned_unchanged(key):
    assert validate_key(key) == key
    assert is_valid_key(key)


@pytest.mark.parametrize("key, reason", BAD.items(), ids=[repr(k)[:20] for k in BAD])
def test_bad_keys_name_the_rule(key, reason):
    with pytest.raises(InvalidKey) as caught:
        validate_key(key)
    assert reason in caught.value.reason
    assert caught.value.key == key
    assert isinstance(caught.value, StorageError)
    assert not is_valid_key(key)


def test_non_string_key_is_invalid():
    with pytest.raises(InvalidKey):
        validate_key(b"items/1")  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["", "items/", "items/12", "items/12/pages/", "a"])
def test_good_prefixes(prefix):
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/items", "../", "a//", "a/../b/", "a\x00", "a b"])
def test_bad_prefixes(prefix):
    with pytest.raises(InvalidKey):
        validate_prefix(prefix)
