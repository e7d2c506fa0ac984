"""The words with which an issue says what a call *should* give ("I expected", "should return", "the correct
answer is"), shared by the prose readers (agent/issue_prose.py: a sentence listing values) and the claim reader
(agent/issue_claims.py: a sentence tying a call to its values), so that both hear the same phrasings. A regex
source without groups of its own, to be wrapped by each reader."""

EXPECT_CUE = (
    r"\bI(?:\s+would|\s*'d)?\s+(?:have\s+)?expect(?:ed)?"
    r"|\bexpected(?:\s+(?:result|output|value|answer|behaviou?r)s?)?(?:\s+(?:is|was|are|were|would\s+be))?"
    r"|\bexpecting"
    r"|\b(?:should|must|ought\s+to)(?:\s+have|'ve)?\s+(?:be(?:en)?|return(?:ed)?|give(?:n)?|print(?:ed)?|output"
    r"|produce(?:d)?|yield(?:ed)?|equal|read)"
    r"|\b(?:shouldn't|should\s+not)\s+(?:it|this|that|the\s+(?:result|output|value))\s+(?:be|return|give)"
    r"|\bI(?:\s+would|\s*'d)\s+have\s+thought"
    r"|\b(?:is|was)\s+expected\s+to\s+(?:be|return|give)"
    r"|\b(?:correct|right|expected|desired|intended)\s+(?:answer|result|output|value)s?\s+(?:is|are|was|were|would\s+be)"
    r"|\b(?:correct|right|desired|intended)(?:\s+(?:answer|result|output|value)s?)?(?=\s*:)"
    r"|\bis\s+(?:meant|supposed)\s+to\s+(?:be|return|give)"
    r"|\bI\s+want(?:ed)?|\bwanted"
)
