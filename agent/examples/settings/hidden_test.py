import pytest

from appconfig import SettingsError, load_settings


def test_syntax_error_is_reported(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{\n  "db_host": "db.internal"\n  "workers": 8\n}\n')
    with pytest.raises(SettingsError, match="line 3"):
        load_settings(path, environ={})


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("")
    with pytest.raises(SettingsError):
        load_settings(path, environ={})


def test_missing_file_still_gives_defaults(tmp_path):
    assert load_settings(tmp_path / "absent.json", environ={}).source == "defaults"
