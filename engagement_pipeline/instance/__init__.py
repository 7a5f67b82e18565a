"""The Dagster instance: the embedded default home and the run launcher."""
