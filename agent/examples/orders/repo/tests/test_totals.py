from orders import order_total, totals_by_customer

ORDERS = [
    {"id": "o1", "customer": "ann", "lines": [{"sku": "tea", "price": 3.5, "qty": 2}]},
    {"id": "o2", "customer": "bob", "lines": [{"sku": "cup", "price": 4.0, "qty": 1}]},
    {"id": "o3", "customer": "ann", "lines": [{"sku": "pot", "price": 20.0, "qty": 1}]},
]


def test_order_total():
    assert order_total(ORDERS[0]) == 7.0


def test_empty_order():
    assert order_total({"id": "o9", "customer": "x", "lines": []}) == 0.0


def test_totals_by_customer():
    assert totals_by_customer(ORDERS) == {"ann": 27.0, "bob": 4.0}
