"""Selection among other systems' SWE-bench predictions (issue 13): `swe-agent select`."""
