from shop import Cart, LineItem


def test_new_carts_do_not_share_items():
    a = Cart("ann")
    a.add("tea", 3.5)
    b = Cart("bob")
    assert b.items == [] and b.total() == 0
    b.add("pen", 1.0, qty=2)
    assert a.count() == 1 and b.count() == 2


def test_explicit_items_still_used():
    cart = Cart("cy", [LineItem("cup", 4.0)])
    cart.add("tea", 1.0)
    assert cart.total() == 5.0
