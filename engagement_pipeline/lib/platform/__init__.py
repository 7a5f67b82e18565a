"""Shared plumbing of every stage: settings, the warehouse, object storage."""
