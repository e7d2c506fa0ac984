"""Load SWE-bench datasets and prediction files (.json / .jsonl / .jsonl.gz)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from swebench.harness.constants import KEY_INSTANCE_ID, KEY_MODEL, KEY_PREDICTION


def _read_rows(path: Path) -> list[dict]:
    """The file's rows; a file that is not JSON / JSONL raises ValueError naming the file and line."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise ValueError(f"cannot read {path}: {err}") from None
    name = path.name.removesuffix(".gz")
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not JSON (line {err.lineno}: {err.msg})") from None
        # A predictions .json may be a list or an {instance_id: prediction} map (both exist in the wild).
        return list(data.values()) if isinstance(data, dict) else data
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"line {n} of {path} is not JSON ({err.msg}); a .jsonl file holds one object "
                                 "per line") from None
    return rows


def load_dataset(path: str | Path, instance_ids: list[str] | None = None) -> list[dict]:
    """Rows in file order; FAIL_TO_PASS / PASS_TO_PASS stay JSON strings, as on Hugging Face."""
    rows = _read_rows(Path(path))
    if not isinstance(rows, list):
        raise ValueError(f"{path} holds no rows (a JSON list, a JSONL file of objects, or an id -> row map)")
    for k, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get(KEY_INSTANCE_ID), str):
            raise ValueError(f"row {k + 1} of {path} is not a SWE-bench row: "
                             + ("no instance_id" if isinstance(row, dict) else f"a {type(row).__name__}, not an object"))
    for row in rows:
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            # The harness accepts both, but the official dataset stores strings: normalize to that form.
            if isinstance(row.get(key), list):
                row[key] = json.dumps(row[key])
    if not instance_ids:
        return rows
    by_id = {r[KEY_INSTANCE_ID]: r for r in rows}
    missing = [i for i in instance_ids if i not in by_id]
    if missing:
        raise ValueError(f"instances not in {path}: {', '.join(missing)}")
    return [by_id[i] for i in instance_ids]


def load_predictions(path: str | Path) -> dict[str, dict]:
    """{instance_id: prediction}; each prediction has instance_id, model_name_or_path, model_patch."""
    preds = {}
    rows = _read_rows(Path(path))
    if not isinstance(rows, list):
        raise ValueError(f"{path} holds no predictions (a JSON list, a JSONL file of objects, or an id -> prediction map)")
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError(f"a prediction in {path} is a {type(row).__name__}, not an object")
        if KEY_INSTANCE_ID not in row or KEY_PREDICTION not in row:
            raise ValueError(f"prediction without {KEY_INSTANCE_ID}/{KEY_PREDICTION}: {sorted(row)}")
        if row[KEY_PREDICTION] is None:
            row[KEY_PREDICTION] = ""          # no patch submitted
        if not isinstance(row[KEY_PREDICTION], str) or not isinstance(row[KEY_INSTANCE_ID], str):
            raise ValueError(f"prediction for {row[KEY_INSTANCE_ID]!r} in {path}: {KEY_INSTANCE_ID} and "
                             f"{KEY_PREDICTION} must be strings")
        row.setdefault(KEY_MODEL, "None")
        preds[row[KEY_INSTANCE_ID]] = row
    return preds


def gold_predictions(rows: list[dict], empty: bool = False) -> dict[str, dict]:
    """The dataset's own patches (or empty ones): the two checks `validate` runs."""
    model = "empty" if empty else "gold"
    return {r[KEY_INSTANCE_ID]: {KEY_INSTANCE_ID: r[KEY_INSTANCE_ID], KEY_MODEL: model,
                                 KEY_PREDICTION: "" if empty else r["patch"]} for r in rows}
