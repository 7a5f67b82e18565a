"""One dynamic partition per report definition (the file stem in the definitions folder)."""

import dagster as dg

report_partitions = dg.DynamicPartitionsDefinition(name="report_id")
