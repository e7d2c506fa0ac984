"""docs/devset.md, agent.examples.split.split_of and the example catalogue agree."""
import re
from collections import Counter

import pytest

from agent.examples import DEFAULT_EXAMPLE, list_examples
from agent.examples.split import split_of
from tests.support.paths import ROOT

DOC = ROOT / "docs" / "devset.md"


def _table() -> dict[str, dict[str, str]]:
    """Rows of the doc's instance table, by example name."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| example |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|"))))
        rows[cells["example"]] = cells
    return rows


def test_rule_is_pure_and_binary():
    assert split_of("tempconv") == split_of("tempconv") == "train"
    assert {split_of(f"name{i}") for i in range(50)} == {"train", "test"}


def test_doc_lists_every_example_with_the_rules_split():
    rows = _table()
    missing, stale = set(list_examples()) - set(rows), set(rows) - set(list_examples())
    assert not missing, f"add these examples to docs/devset.md: {sorted(missing)}"
    assert not stale, f"docs/devset.md lists examples that do not exist: {sorted(stale)}"
    wrong = {name: row["split"] for name, row in rows.items() if row["split"] != split_of(name)}
    assert not wrong, f"the doc's split disagrees with split_of for {wrong}"
    assert rows[DEFAULT_EXAMPLE]["split"] == "train"


def test_split_is_stratified_by_issue_style():
    rows = _table()
    assert len(rows) >= 40
    assert {row["style"] for row in rows.values()} == set("abcde")
    counts = Counter((row["style"], row["split"]) for row in rows.values())
    for style in "abcde":
        assert abs(counts[style, "train"] - counts[style, "test"]) <= 1, (style, counts)
    train = sum(1 for row in rows.values() if row["split"] == "train")
    assert abs(2 * train - len(rows)) <= 1


def test_doc_counts_match_the_table():
    rows = _table()
    text = DOC.read_text(encoding="utf-8")
    for style in "abcde":
        tr = sum(1 for r in rows.values() if r["style"] == style and r["split"] == "train")
        te = sum(1 for r in rows.values() if r["style"] == style and r["split"] == "test")
        assert re.search(rf"^\| {style} \| {tr} \| {te} \| {tr + te} \|$", text, re.M), style


@pytest.mark.parametrize("name", sorted(_table()))
def test_size_column_matches_the_package(name):
    from agent.examples import EXAMPLES_DIR

    repo = EXAMPLES_DIR / name / "repo"
    lines = sum(len(p.read_text().splitlines()) for p in repo.rglob("*.py")
                if "tests" not in p.relative_to(repo).parts)
    size = _table()[name]["size"]
    assert f"({lines} lines" in size and size[0] == ("S" if lines < 60 else "M" if lines < 150 else "L")
