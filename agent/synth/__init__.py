"""Task factory (`swe-agent synth`): plant bugs in a repository with a test suite, keep the ones the
suite catches deterministically, and write them out as SWE-bench rows (docs/synth.md).

Pure parts: `mutate` (AST mutations), `verdict` (keep / drop from test outcomes), `issue` (the
user's report from a failure), `rows` (SWE-bench rows). Side effects: `gitrepo` (commits, bundles),
`recipe` (registers the rows' environment with swebench's tables), `runner` (sandboxes, threads).
"""
