from stock import Item, Warehouse


def make():
    w = Warehouse()
    w.add_item(Item("GLV-01", "Nitrile gloves", 0.25, reorder_point=100, target=500, pack_size=100))
    w.add_item(Item("TAP-02", "Packing tape", 1.5, reorder_point=10, target=40, pack_size=6))
    w.receive("GLV-01", 300)
    w.receive("TAP-02", 50)
    return w


def test_item_at_reorder_point_is_reported():
    w = make()
    w.reserve("GLV-01", 200)   # exactly 100 available
    w.reserve("TAP-02", 41)    # 9 available: below
    assert w.reorder_report() == [("GLV-01", "Nitrile gloves", 400), ("TAP-02", "Packing tape", 36)]


def test_one_above_the_point_is_not():
    w = make()
    w.reserve("GLV-01", 199)   # 101 available
    assert w.reorder_report() == []
    assert w.items["GLV-01"].suggested_order() == 0


def test_zero_reorder_point():
    w = Warehouse()
    w.add_item(Item("X", "Gadget", 1.0, reorder_point=0, target=5))
    assert w.reorder_report() == [("X", "Gadget", 5)]
