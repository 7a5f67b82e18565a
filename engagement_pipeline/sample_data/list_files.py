"""The message catalog in the Braze REST list format, written from the synthetic workspace.

`campaigns.list.json` is a `/campaigns/list` response and `canvas.list.json` a
`/canvas/list` response; names are the latest ones (after any rename in the window).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from engagement_pipeline.sample_data.synth.workspace import Workspace


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def campaigns_list(workspace: Workspace) -> dict:
    return {
        "campaigns": [
            {"id": c.id, "last_edited": _iso(c.last_edited), "name": c.latest_name, "is_api_campaign": False, "tags": list(c.tags)}
            for c in workspace.campaigns
        ],
        "message": "success",
    }


def canvas_list(workspace: Workspace) -> dict:
    return {
        "canvases": [{"id": c.id, "last_edited": _iso(c.last_edited), "name": c.name, "tags": list(c.tags)} for c in workspace.canvases],
        "message": "success",
    }


def write_catalog(directory: Path, workspace: Workspace) -> list[Path]:
    """Write both list files under `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    lists = (("campaigns.list.json", campaigns_list(workspace)), ("canvas.list.json", canvas_list(workspace)))
    for name, payload in lists:
        path = directory / name
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
