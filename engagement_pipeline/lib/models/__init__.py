"""The SQL models of dbt_like_sql/: discovery, rendering and running, and their documentation (no Dagster here)."""
