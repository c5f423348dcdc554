"""What a server process needs to build its segmenters, and how it reaches worker processes.

With ``--workers N`` uvicorn starts N fresh processes that import the app by
name, so the settings cannot be passed as objects: the parent writes them,
as JSON, into an environment variable that the workers inherit and read.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from ..errors import TachtuError
from ..normalize import NORMALIZE_MODES

ENV_VAR = "TACHTU_SERVER_SETTINGS"
PROFILES = ("default", "vncorenlp")
DEFAULT_MAX_BODY = 4 * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    """The server-wide defaults; ``profile`` and ``normalize`` may be overridden per request."""

    profile: str = "default"
    normalize: str = "none"
    user_dict: str | None = None
    max_body: int = DEFAULT_MAX_BODY

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise TachtuError(f"unknown profile {self.profile!r} (expected one of {', '.join(PROFILES)})")
        if self.normalize not in NORMALIZE_MODES:
            raise TachtuError(f"normalize must be one of {', '.join(NORMALIZE_MODES)}, not {self.normalize!r}")
        if self.max_body < 1:
            raise TachtuError("the body limit (--max-body) must be at least 1 byte")
        if self.profile == "vncorenlp" and self.user_dict is not None:
            raise TachtuError("a user dictionary cannot be used with the vncorenlp profile, "
                              "whose output must match RDRsegmenter")

    def to_env(self) -> str:
        """The settings as the value of ``ENV_VAR``."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "ServerSettings":
        """The settings the parent process left in ``ENV_VAR`` (defaults when unset)."""
        raw = os.environ.get(ENV_VAR)
        if not raw:
            return cls()
        try:
            values = json.loads(raw)
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise TachtuError(f"{ENV_VAR} does not hold server settings: {exc}") from None
