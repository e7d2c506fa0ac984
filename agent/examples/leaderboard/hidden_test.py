from leaderboard import load_scores, ranking


def test_numeric_order():
    rows = load_scores("name,score\nann,9\nbob,10\ncy,100\ndee,25\n")
    assert [(p, n, int(s)) for p, n, s in ranking(rows)] == [(1, "cy", 100), (2, "dee", 25), (3, "bob", 10), (4, "ann", 9)]


def test_top_uses_numeric_order():
    rows = load_scores("name,score\nann,9\nbob,10\n")
    assert [n for _, n, _ in ranking(rows, top=1)] == ["bob"]
