"""The live view: the trailing 24 hours at 5-minute resolution, kept current file by file (docs/live.md)."""
