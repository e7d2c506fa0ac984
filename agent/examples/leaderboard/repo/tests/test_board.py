from leaderboard import load_scores, ranking

CSV = """name,score
ann,7
bob,9
cy,3
"""


def test_load_scores():
    rows = load_scores(CSV)
    assert [r["name"] for r in rows] == ["ann", "bob", "cy"]


def test_ranking_highest_first():
    assert ranking(load_scores(CSV)) == [(1, "bob", 9), (2, "ann", 7), (3, "cy", 3)]


def test_ranking_top():
    assert ranking(load_scores(CSV), top=1) == [(1, "bob", 9)]
