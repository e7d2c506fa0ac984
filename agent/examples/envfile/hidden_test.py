from envfile import dump_env, parse_env


def test_values_may_contain_equals():
    text = 'DATABASE_URL=postgres://db/app?sslmode=require\nTOKEN="c2VjcmV0=="\nA=1\n'
    assert parse_env(text) == {"DATABASE_URL": "postgres://db/app?sslmode=require", "TOKEN": "c2VjcmV0==", "A": "1"}


def test_round_trip_with_equals():
    env = {"Q": "a=b c=d", "X": "=="}
    assert parse_env(dump_env(env)) == env
