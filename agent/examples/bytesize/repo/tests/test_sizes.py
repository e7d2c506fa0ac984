import pytest

from humanbytes import human_size, parse_size


def test_bytes():
    assert human_size(0) == "0 B"
    assert human_size(999) == "999 B"


def test_whole_units():
    assert human_size(1024) == "1 KB"
    assert human_size(5 * 1024 ** 3) == "5 GB"


def test_parse_size():
    assert parse_size("1.5 KB") == 1536
    assert parse_size("2mb") == 2 * 1024 ** 2
    with pytest.raises(ValueError):
        parse_size("lots")


def test_negative_rejected():
    with pytest.raises(ValueError):
        human_size(-1)
