from engagement_pipeline.defs.models.factories import build_sql_asset
from engagement_pipeline.lib.models.sql_models import discover_models

sql_model_assets = [build_sql_asset(model) for model in discover_models().values()]
