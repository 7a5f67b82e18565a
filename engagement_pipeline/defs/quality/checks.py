from engagement_pipeline.lib.quality.asset_checks import build_quality_checks
from engagement_pipeline.lib.quality.suite import load_suites
from engagement_pipeline.lib.sql_models import discover_models

quality_checks = build_quality_checks(load_suites(), discover_models())
