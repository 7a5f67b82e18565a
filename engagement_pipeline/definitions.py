from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    # DuckDB allows one writing process per file: steps of a run execute in one process.
    return dg.Definitions.merge(loaded, dg.Definitions(executor=dg.in_process_executor))
