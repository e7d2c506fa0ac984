from orders import order_total, totals_by_customer


def order(oid, customer, price, qty=1, **extra):
    return {"id": oid, "customer": customer, "lines": [{"sku": "x", "price": price, "qty": qty}], **extra}


def test_discount_is_subtracted():
    assert order_total(order("o1", "ann", 10.0, 2, discount=5.0)) == 15.0


def test_discount_never_below_zero():
    assert order_total(order("o1", "ann", 3.0, discount=5.0)) == 0.0


def test_customer_totals_with_discounts():
    orders = [order("o1", "ann", 10.0, discount=2.5), order("o2", "ann", 5.0), order("o3", "bob", 4.0)]
    assert totals_by_customer(orders) == {"ann": 12.5, "bob": 4.0}
