import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.platform.warehouse import ARROW_BATCH_ROWS, bulk_load, make_engine


def test_a_bulk_load_larger_than_a_row_group_keeps_every_value(warehouse_url):
    """DuckDB receives the frame as several Arrow record batches of string views; PostgreSQL as COPY."""
    n = 2 * ARROW_BATCH_ROWS + 7
    words = ["", "short", "exactly12byt", "a string longer than twelve bytes", "é-ü ✓ 漢字 long enough to spill", None]
    frame = pl.DataFrame(
        {
            "n": range(n),
            "word": [words[i % len(words)] for i in range(n)],
            "tag": [f"tag-{i}" if i % 3 else None for i in range(n)],
        },
        schema={"n": pl.Int64, "word": pl.String, "tag": pl.String},
    )
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table loaded (n bigint, word varchar, tag varchar)"))
        assert bulk_load(conn, "loaded", frame) == n

    with engine.connect() as conn:
        rows = conn.execute(sa.text("select n, word, tag from loaded order by n")).fetchall()
    assert pl.DataFrame(rows, schema=frame.schema, orient="row").equals(frame)


def test_a_frame_gathered_from_many_small_files_loads_within_duckdbs_memory_bound(duckdb_url):
    """Ingestion concatenates one frame per file; 2,000 one-event files must not become 2,000 row groups."""
    from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS, create_table_sql, polars_schema
    from tests.support import event

    schema = polars_schema(RAW_COLUMNS)
    files = [
        pl.DataFrame(
            [dict(event("users.messages.email.Send", "2026-11-20T10:00:00", event_id=f"e{i}"), source_file=f"{i}.avro")], schema=schema
        )
        for i in range(2000)
    ]
    frame = pl.concat(files, rechunk=False)
    assert frame.n_chunks() == 2000
    engine = make_engine(duckdb_url)
    with engine.begin() as conn:
        conn.execute(sa.text(create_table_sql("raw_currents_events", RAW_COLUMNS)))
        bulk_load(conn, "raw_currents_events", frame)

    with engine.connect() as conn:
        loaded = conn.execute(sa.text("select count(distinct event_id), count(distinct source_file) from raw_currents_events")).one()
    assert tuple(loaded) == (2000, 2000)
