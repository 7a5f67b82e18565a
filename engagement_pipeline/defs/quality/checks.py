from engagement_pipeline.defs.quality.factories import build_quality_checks
from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.lib.quality.suite import load_suites

quality_checks = build_quality_checks(load_suites(), discover_models())
