from engagement_pipeline.defs.models.factories import build_grain_check
from engagement_pipeline.lib.models.sql_models import discover_models

grain_checks = [build_grain_check(model) for model in discover_models().values() if model.checks_grain]
