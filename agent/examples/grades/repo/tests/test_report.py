from grades import class_report, letter, summarize


def test_summarize():
    assert summarize([80, 90, 95]) == {"count": 3, "min": 80, "max": 95, "mean": 88.33}


def test_letters():
    assert [letter(s) for s in (95, 85, 75, 65, 10)] == ["A", "B", "C", "D", "F"]


def test_class_report():
    report = class_report({"ann": [90, 100], "bob": [55]})
    assert report["ann"]["letter"] == "A" and report["bob"]["letter"] == "F"
