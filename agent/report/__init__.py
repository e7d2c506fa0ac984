"""`swe-agent show`: a self-contained HTML report of a run folder or a batch folder."""
