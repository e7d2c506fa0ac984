"""The one place litellm is imported: with LITELLM_LOCAL_MODEL_COST_MAP set first, else importing it
fetches a cost map over the network (slow, and it fails offline and in sandboxes).
Everything in the package takes `litellm` from here, so every entry point (the CLI, the Action, scripts/)
that reaches litellm comes through here; nothing else sets the variable (tests/unit/test_imports.py)."""
from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm  # noqa: E402

litellm.suppress_debug_info = True  # its "Give Feedback / Get Help" banner buries our own error text

__all__ = ["litellm"]
