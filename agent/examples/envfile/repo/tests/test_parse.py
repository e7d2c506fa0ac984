import pytest

from envfile import dump_env, parse_env


def test_parse_basic():
    text = "# settings\nDEBUG=1\n\nNAME = 'my app'\nEMPTY=\n"
    assert parse_env(text) == {"DEBUG": "1", "NAME": "my app", "EMPTY": ""}


def test_parse_rejects_line_without_equals():
    with pytest.raises(ValueError, match="line 2"):
        parse_env("A=1\noops\n")


def test_round_trip():
    env = {"A": "1", "GREETING": "hello world"}
    assert parse_env(dump_env(env)) == env
