"""The SQL models: discovery, rendering and running of dbt_like_sql/, and their docs."""
