"""SWE-bench evaluation: environments (online images or offline builds), official grading, batch runs."""
