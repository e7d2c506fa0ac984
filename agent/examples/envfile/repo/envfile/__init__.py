from .parse import dump_env, parse_env

__all__ = ["dump_env", "parse_env"]
