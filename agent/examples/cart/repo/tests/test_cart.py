import pytest

from shop import Cart, LineItem


def test_restored_cart_totals():
    cart = Cart("ann", [LineItem("tea", 3.5, 2), LineItem("cup", 4.0)])
    assert cart.total() == 11.0
    assert cart.count() == 3


def test_add_to_restored_cart():
    cart = Cart("bob", [])
    cart.add("pen", 1.25, qty=4)
    assert cart.total() == 5.0


def test_bad_quantity():
    with pytest.raises(ValueError):
        Cart("cy", []).add("pen", 1.0, qty=0)
