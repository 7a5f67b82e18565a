"""Plain Python about the SQL models in dbt_like_sql/: their documentation (no Dagster here)."""
