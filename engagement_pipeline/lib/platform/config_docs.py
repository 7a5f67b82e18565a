"""The README's table of settings and `.env.example`, generated from `config.ENV_VARS`.

`make config-docs` (`python -m engagement_pipeline.lib.platform.config_docs`) rewrites both files;
`--check` only reports whether they are current (a test runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from engagement_pipeline.lib.platform.config import ENV_VARS

ROOT = Path(__file__).resolve().parents[3]
BEGIN = "<!-- settings: generated from engagement_pipeline/lib/platform/config.py by `make config-docs` -->"
END = "<!-- /settings -->"
ENV_HEADER = (
    "# Copy to .env and adjust: `engagement` (and `engagement ui`) read .env from the current folder;\n"
    "# a variable already set in the environment wins. Every variable is optional on the embedded default.\n"
)
ENV_FOOTER = """\
# Production Dagster instance (docs/deploy/dagster.yaml, copied to $DAGSTER_HOME)
# DAGSTER_PG_HOST=127.0.0.1
# DAGSTER_PG_PORT=5432
# DAGSTER_PG_USER=dagster
# DAGSTER_PG_PASSWORD=
# DAGSTER_PG_DB=dagster
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table() -> str:
    rows = [f"| `{v.name}` | {_cell(v.default)} | {_cell(v.description)} |" for v in ENV_VARS]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


def env_example() -> str:
    blocks = [f"# {v.description}\n# default: {v.default}\n# {v.name}=\n" for v in ENV_VARS]
    return "\n".join([ENV_HEADER, *blocks, ENV_FOOTER])


def _with_table(readme: str) -> str:
    head, found, rest = readme.partition(BEGIN)
    if not found or END not in rest:
        raise ValueError(f"README.md: no {BEGIN} ... {END} block; expected one around the settings table")
    return f"{head}{BEGIN}\n{readme_table()}\n{END}{rest.split(END, 1)[1]}"


def generated(root: Path = ROOT) -> dict[Path, str]:
    """The new text of README.md and .env.example."""
    readme = root / "README.md"
    return {readme: _with_table(readme.read_text(encoding="utf-8")), root / ".env.example": env_example()}


def stale(root: Path = ROOT) -> list[Path]:
    return [path for path, text in generated(root).items() if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        old = stale()
        for path in old:
            print(f"{path.name} is not generated from engagement_pipeline/lib/platform/config.py; run `make config-docs`")
        return 1 if old else 0
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
