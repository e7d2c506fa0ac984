from pathlib import Path

import git
import pytest

from agent.repomap import build_repo_map
from agent.retrieval import _match_file, merge_rankings, rank_locations, tokenize
from agent.schema import Location

FILES = {
    "shop/cart.py": '''class Cart:
    """A customer's shopping cart."""

    def __init__(self, customer, items=None):
        self.customer = customer
        self.items = list(items or [])

    def add_item(self, name, price, qty=1):
        """Put qty units of an item into the cart."""
        self.items.append((name, price, qty))

    def total_price(self):
        """Sum of price times quantity over all items."""
        return sum(price * qty for _, price, qty in self.items)
''',
    "shop/discounts.py": '''def apply_coupon(total, coupon_code):
    """Reduce a total by the percentage a coupon code grants."""
    percent = COUPONS[coupon_code]
    return total * (100 - percent) / 100


COUPONS = {"SPRING": 10, "VIP": 25}
''',
    "shop/shipping.py": '''def shipping_cost(weight_kg, country):
    """Flat rate per kilogram, doubled abroad."""
    rate = 2.0 if country == "DE" else 4.0
    return round(weight_kg * rate, 2)
''',
    "shop/http/parseHeaders.py": '''def parseContentType(header):
    mime, _, params = header.partition(";")
    return mime.strip().lower()
''',
    "shop/money.py": '''class Euro:
    def convert(self, amount, rate):
        """Convert euros: amount in euros times the euro rate."""
        return amount * rate


class Dollar:
    def convert(self, amount, rate):
        return amount / rate
''',
    "tests/test_cart.py": '''from shop.cart import Cart


def test_total_price_of_cart_with_items():
    cart = Cart("ann")
    cart.add_item("tea", 2.0, 3)
    assert cart.total_price() == 6.0
''',
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("retrieval") / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    r = git.Repo.init(root)
    with r.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.com")
    r.git.add(A=True)
    r.index.commit("init")
    return root


@pytest.fixture(scope="module")
def repo_map(repo):
    return build_repo_map(repo)


def top(repo, repo_map, query, **kw):
    return [(loc.file, loc.symbol) for loc in rank_locations(repo, repo_map, query, **kw)]


def test_tokenize_splits_identifiers():
    assert tokenize("getUserName") == ["getusername", "get", "user", "name"]
    assert tokenize("total_price HTTPServer x") == ["total_price", "total", "price", "httpserver", "http", "server"]
    assert tokenize("the self def") == []


def test_plain_description_finds_the_function(repo, repo_map):
    got = top(repo, repo_map, "The coupon code discount is applied wrong: VIP should take 25 percent off")
    assert got[0] == ("shop/discounts.py", "apply_coupon")
    got = top(repo, repo_map, "Shipping cost abroad is wrong for heavy parcels measured in kilograms")
    assert got[0] == ("shop/shipping.py", "shipping_cost")


def test_traceback_frame_is_a_strong_hit(repo, repo_map):
    # The prose talks about the cart; only the traceback points at the discount code.
    issue = '''The cart total price crashes after I add an item to the cart and check out.

Traceback (most recent call last):
  File "/home/u/app/main.py", line 3, in <module>
  File "/srv/venv/lib/python3.11/site-packages/shop/discounts.py", line 3, in apply_coupon
KeyError: 'spring'
'''
    locs = rank_locations(repo, repo_map, issue, k=3)
    assert (locs[0].file, locs[0].symbol) == ("shop/discounts.py", "apply_coupon")
    assert (locs[0].start_line, locs[0].end_line) == (1, 4)
    assert locs[0].score > 2.0 and locs[0].score > 2 * locs[1].score


def test_traceback_line_picks_between_same_named_methods(repo, repo_map):
    issue = """Converting euros fails with a zero rate, the euro amount is lost.

  File "shop/money.py", line 9, in convert
ZeroDivisionError: division by zero
"""
    assert top(repo, repo_map, issue.split("\n\n")[0])[0] == ("shop/money.py", "Euro.convert")   # prose alone
    assert top(repo, repo_map, issue)[0] == ("shop/money.py", "Dollar.convert")


def test_literal_identifiers_and_dotted_names(repo, repo_map):
    # BM25 scores are scaled to at most 1: a score above 1 is the literal mention's bonus.
    assert rank_locations(repo, repo_map, "`shipping_cost` is wrong", k=1)[0].score > 1.5
    assert rank_locations(repo, repo_map, "shipping cost is wrong", k=1)[0].score <= 1.0
    # The prose matches the cart best; the identifier named in the text decides.
    assert top(repo, repo_map, "`shipping_cost` must not use the cart total price of the items")[0] == \
        ("shop/shipping.py", "shipping_cost")
    assert top(repo, repo_map, "shop.discounts.apply_coupon() is given the cart total price of items")[0] == \
        ("shop/discounts.py", "apply_coupon")
    assert top(repo, repo_map, "parseContentType keeps the charset")[0] == \
        ("shop/http/parseHeaders.py", "parseContentType")


def test_mentioned_path_favours_its_code(repo, repo_map):
    assert top(repo, repo_map, "the rate is wrong")[0][0] == "shop/money.py"
    # Without the path the conversion code matches these words better.
    assert top(repo, repo_map, "the amount times rate is wrong")[0][0] == "shop/money.py"
    assert top(repo, repo_map, "the amount times rate is wrong (see shipping.py)")[0] == \
        ("shop/shipping.py", "shipping_cost")
    assert top(repo, repo_map, "converting the amount with the rate is wrong in shop/shipping.py")[0] == \
        ("shop/shipping.py", "shipping_cost")
    assert top(repo, repo_map, "see ./nothing.py") == []


def test_match_file_suffixes():
    files = ["pkg/__init__.py", "pkg/sub/__init__.py", "sub/__init__.py", "pkg/mod.py"]
    assert _match_file("/venv/site-packages/pkg/sub/__init__.py", files) == "pkg/sub/__init__.py"
    assert _match_file("./pkg/mod.py", files) == "pkg/mod.py"
    assert _match_file("mod.py", files) == "pkg/mod.py"
    assert _match_file("__init__.py", files) is None          # ambiguous
    assert _match_file("C:\\src\\pkg\\mod.py", files) == "pkg/mod.py"


def test_tests_rank_lower_by_default_but_configurable(repo, repo_map):
    query = "test total price of cart with items"
    default = top(repo, repo_map, query)
    assert default[0] == ("shop/cart.py", "Cart.total_price")
    assert default.index(("tests/test_cart.py", "test_total_price_of_cart_with_items")) > 0
    assert top(repo, repo_map, query, test_weight=1.0)[0] == \
        ("tests/test_cart.py", "test_total_price_of_cart_with_items")


def test_module_level_code_and_k(repo, repo_map):
    got = top(repo, repo_map, "COUPONS table SPRING VIP", k=2)
    assert ("shop/discounts.py", None) in got and len(got) == 2
    # Files without module-level code are not offered as whole-file locations.
    assert ("shop/shipping.py", None) not in top(repo, repo_map, "shop shipping", k=20)
    assert rank_locations(repo, repo_map, "", k=5) == []
    assert rank_locations(repo, repo_map, "zzzz qqqq", k=5) == []


def L(file, symbol=None, **kw):
    return Location(file=file, symbol=symbol, **kw)


def test_merge_rankings_votes_and_fusion():
    rankings = [
        [L("a.py", "f"), L("b.py", "g")],
        [L("b.py", "g"), L("a.py", "f")],
        [L("c.py", "h"), L("b.py", "g"), L("b.py", "g")],      # a repeat in one sample is one vote
    ]
    merged = merge_rankings(rankings, k=10)
    assert [(x.file, x.symbol, x.votes) for x in merged] == [("b.py", "g", 3), ("a.py", "f", 2), ("c.py", "h", 1)]
    assert merged[0].score == pytest.approx(1 / 61 + 1 / 62 + 1 / 62, abs=1e-6)
    assert merge_rankings(rankings, k=1) == merged[:1]
    assert merge_rankings([], k=3) == []


def test_merge_rankings_unifies_short_and_qualified_names_and_keeps_lines():
    merged = merge_rankings([[L("s.py", "total")], [L("s.py", "Cart.total", start_line=10, end_line=12)],
                             [L("s.py")]], k=5)
    assert [(x.symbol, x.votes, x.start_line, x.end_line) for x in merged] == [("Cart.total", 2, 10, 12),
                                                                              (None, 1, None, None)]
    # Ambiguous short name: two classes define `total`, so it stays on its own.
    amb = merge_rankings([[L("s.py", "A.total")], [L("s.py", "B.total")], [L("s.py", "total")]], k=5)
    assert {x.symbol for x in amb} == {"A.total", "B.total", "total"}


def test_merge_is_pure():
    rankings = [[L("a.py", "f", score=0.9)]]
    merge_rankings(rankings, k=3)
    assert rankings[0][0].score == 0.9 and rankings[0][0].votes == 0
