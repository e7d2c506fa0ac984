"""GitHub: from an issue URL to a pull request with evidence, and the GitHub Action entry point."""
