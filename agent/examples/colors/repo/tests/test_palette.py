import pytest

from palette import contrast_ratio, hex_to_rgb, rgb_to_hex, shades, tints


def test_hex_round_trip():
    assert hex_to_rgb("#1E90FF") == (30, 144, 255)
    assert hex_to_rgb("fff") == (255, 255, 255)
    assert rgb_to_hex((30, 144, 255)) == "#1e90ff"
    with pytest.raises(ValueError):
        hex_to_rgb("#12345")


def test_half_tint_and_shades():
    assert tints("#000000", [0.5]) == ["#808080"]
    assert shades("#ffffff", [0.25, 1.0]) == ["#bfbfbf", "#000000"]


def test_contrast():
    assert contrast_ratio("#000000", "#ffffff") == 21.0
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
