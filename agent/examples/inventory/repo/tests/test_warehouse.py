import datetime as dt

import pytest

from stock import InsufficientStock, Item, Warehouse

T0 = dt.datetime(2024, 5, 1, 9, 0)


def make():
    w = Warehouse()
    w.add_item(Item("GLV-01", "Nitrile gloves", 0.25, reorder_point=100, target=500, pack_size=100))
    w.add_item(Item("TAP-02", "Packing tape", 1.5, reorder_point=10, target=40, pack_size=6))
    w.receive("GLV-01", 300, when=T0)
    w.receive("TAP-02", 50, when=T0)
    return w


def test_reserve_ship_and_available():
    w = make()
    w.reserve("GLV-01", 120, when=T0)
    assert w.items["GLV-01"].available == 180
    w.ship("GLV-01", 100, when=T0 + dt.timedelta(days=1))
    assert (w.items["GLV-01"].on_hand, w.items["GLV-01"].reserved) == (200, 20)
    with pytest.raises(InsufficientStock):
        w.reserve("GLV-01", 181)


def test_reorder_report_below_point():
    w = make()
    w.reserve("GLV-01", 250, when=T0)   # 50 available < 100
    w.reserve("TAP-02", 20, when=T0)    # 30 available: fine
    assert w.reorder_report() == [("GLV-01", "Nitrile gloves", 500)]


def test_nothing_to_reorder_when_well_stocked():
    assert make().reorder_report() == []


def test_adjust_and_valuation():
    w = make()
    assert w.adjust("TAP-02", 47, when=T0) == -3
    assert w.valuation() == 300 * 0.25 + 47 * 1.5


def test_movements_and_shipped_between():
    w = make()
    w.reserve("TAP-02", 5, when=T0)
    w.ship("TAP-02", 5, when=T0 + dt.timedelta(days=2))
    assert [m.kind for m in w.movements(sku="TAP-02")] == ["receive", "reserve", "ship"]
    assert w.shipped_between(dt.date(2024, 5, 1), dt.date(2024, 5, 3)) == {}
    assert w.shipped_between(dt.date(2024, 5, 3), dt.date(2024, 5, 4)) == {"TAP-02": 5}


def test_stock_table_and_import_counts():
    w = make()
    assert w.import_counts("sku,counted\nTAP-02,48\n", when=T0) == {"TAP-02": -2}
    assert w.stock_table().splitlines()[2] == "TAP-02  Packing tape    48       0         48"
