from humanbytes import human_size, parse_size


def test_one_decimal_place():
    assert human_size(1536) == "1.5 KB"
    assert human_size(1992294) == "1.9 MB"
    assert human_size(int(2.25 * 1024 ** 3)) == "2.2 GB"


def test_round_trip_and_whole_units():
    assert human_size(parse_size("3.5 MB")) == "3.5 MB"
    assert human_size(2048) == "2 KB"
    assert human_size(512) == "512 B"
