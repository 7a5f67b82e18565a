from engagement_pipeline.defs.models.factories import build_sql_assets
from engagement_pipeline.lib.models.model_docs import load_model_docs
from engagement_pipeline.lib.models.sql_models import discover_models

_models = discover_models()
sql_model_assets = build_sql_assets(_models, load_model_docs(_models))
