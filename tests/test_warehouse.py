import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.warehouse import ARROW_BATCH_ROWS, bulk_load, make_engine


def test_a_bulk_load_larger_than_a_row_group_keeps_every_value(warehouse_url):
    """DuckDB receives the frame as several Arrow record batches of string views; PostgreSQL as COPY."""
    n = 2 * ARROW_BATCH_ROWS + 7
    words = ["", "short", "exactly12byt", "a string longer than twelve bytes", "é-ü ✓ 漢字 long enough to spill", None]
    frame = pl.DataFrame({
        "n": range(n),
        "word": [words[i % len(words)] for i in range(n)],
        "tag": [f"tag-{i}" if i % 3 else None for i in range(n)],
    }, schema={"n": pl.Int64, "word": pl.String, "tag": pl.String})
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table loaded (n bigint, word varchar, tag varchar)"))
        assert bulk_load(conn, "loaded", frame) == n

    with engine.connect() as conn:
        rows = conn.execute(sa.text("select n, word, tag from loaded order by n")).fetchall()
    assert pl.DataFrame(rows, schema=frame.schema, orient="row").equals(frame)
