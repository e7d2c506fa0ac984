from palette import hex_to_rgb, scale, tints


def test_small_tints_stay_close_to_the_base():
    assert tints("#000000", [0.1, 0.5, 0.9]) == ["#1a1a1a", "#808080", "#e6e6e6"]
    assert tints("#1e64c8", [0.2]) == ["#4b83d3"]


def test_scale_gets_lighter_towards_100():
    s = scale("#1e64c8")
    brightness = [sum(hex_to_rgb(s[level])) for level in (100, 200, 300, 400, 500)]
    assert brightness == sorted(brightness, reverse=True)
    assert s[100] == "#d2e0f4" and s[500] == "#1e64c8"
