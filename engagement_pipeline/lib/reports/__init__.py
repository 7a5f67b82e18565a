"""Report files: a report definition turned into CSV files from the rollups, stored with expiring links."""
