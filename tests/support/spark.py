"""Spark in local mode for tests: one JVM per test process, a fresh database and lake folder per URL."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import uuid
from pathlib import Path

# One in-memory Derby metastore for the whole test process (the first session's settings are the JVM's).
METASTORE = "conf.spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:memory:engagement_tests;create=true"


def spark_missing() -> str | None:
    """Why Spark cannot run here (pyspark or Java missing), or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    java = shutil.which("java")
    if java is None or subprocess.run([java, "-version"], capture_output=True).returncode != 0:
        return "Java is not installed (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
    return None


def spark_url(lake: Path) -> str:
    """A Spark warehouse URL with its own database in `lake` (local[2])."""
    return f"spark:///{lake}?master=local[2]&database=t_{uuid.uuid4().hex[:10]}&{METASTORE}"
