from calc import add, clamp, relu


def test_clamp_inside():
    assert clamp(2, 0, 3) == 2


def test_clamp_high():
    assert clamp(5, 0, 3) == 3


def test_clamp_low():
    assert clamp(-1, 0, 3) == 0


def test_relu():
    assert relu(2) == 2
    assert relu(-2) == 0
    assert relu(0) == 0


def test_add():
    assert add(2, 3) == 5
