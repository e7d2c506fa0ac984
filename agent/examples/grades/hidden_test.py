from grades import class_report, summarize


def test_no_scores():
    assert summarize([]) == {"count": 0, "min": None, "max": None, "mean": None}


def test_report_with_new_student():
    report = class_report({"ann": [90, 100], "new": []})
    assert report["new"]["count"] == 0 and report["new"]["mean"] is None and report["new"]["letter"] is None
    assert report["ann"]["mean"] == 95 and report["ann"]["letter"] == "A"
