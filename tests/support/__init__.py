"""What the tests share: fixtures (registered by tests/conftest.py through `pytest_plugins`), the
scripted model and GitHub servers on 127.0.0.1, tiny real repositories and run folders."""
