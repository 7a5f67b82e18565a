from engagement_pipeline.defs.models.factories import build_sql_assets
from engagement_pipeline.defs.quality.factories import model_suite_checks
from engagement_pipeline.lib.models.model_docs import load_model_docs
from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.lib.quality.suite import load_suites

_models = discover_models()
# The models run in a few steps, each with its models' grain and suite checks (factories.py).
sql_model_assets = build_sql_assets(_models, load_model_docs(_models), model_suite_checks(load_suites(), _models))
