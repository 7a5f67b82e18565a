"""Spark sessions for `spark://` warehouse URLs: one SparkContext per process, one session per URL.

`spark:///<lake folder>?master=local[2]&database=engagement&conf.<spark key>=<value>`; a lake on S3 is
`spark:///?lake=s3a://bucket/prefix&...`. The tables live in `database`, created with the lake as its
location. Locally the catalog is Hive's, kept in an embedded Derby metastore beside the lake
(`<lake>/_metastore`; one process at a time, as a DuckDB file); on a cluster, `conf.` keys point at the
platform's metastore (Glue, Unity, Hive). Sessions of different URLs share the process's SparkContext
(`newSession()`: their own current database), so tests start the JVM once.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_DATABASE = "engagement"
# Small data per day on a laptop: Spark's default of 200 shuffle partitions makes 200 tiny tasks
# (and files) per statement. A `conf.spark.sql.shuffle.partitions` in the URL wins.
DEFAULTS = {
    "spark.sql.catalogImplementation": "hive",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
_LOCK = threading.Lock()
_SESSIONS: dict[str, Any] = {}
_BASE: Any = None
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SparkUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SparkTarget:
    lake: str
    master: str | None = None
    database: str = DEFAULT_DATABASE
    conf: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def local_lake(self) -> bool:
        return "://" not in self.lake


def parse_spark_url(url: str) -> SparkTarget:
    """The lake, master, database and Spark settings of a `spark://` URL; a wrong one names what is expected."""
    parts = urlsplit(url)
    if parts.scheme != "spark":
        raise SparkUrlError(f"{url!r} is not a Spark warehouse URL; expected spark:///<lake folder>?master=local[2]")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    lake = (query.pop("lake", "") or re.sub(r"^/+", "/", parts.path)).rstrip("/")  # spark:///tmp/lake and spark:////tmp/lake alike
    if not lake or (lake.startswith("/") is False and "://" not in lake):
        raise SparkUrlError("a Spark warehouse URL needs its lake: spark:///<absolute folder> or spark:///?lake=s3a://bucket/prefix")
    database = query.pop("database", DEFAULT_DATABASE)
    if not _NAME.fullmatch(database):
        raise SparkUrlError(f"database={database!r} in the Spark URL; expected a name of letters, digits and _")
    master = query.pop("master", None) or None
    conf = {key.removeprefix("conf."): value for key, value in query.items() if key.startswith("conf.")}
    unknown = sorted(key for key in query if not key.startswith("conf."))
    if unknown:
        raise SparkUrlError(f"unknown Spark URL setting(s) {', '.join(unknown)}; expected master, lake, database or conf.<spark key>")
    return SparkTarget(lake, master, database, conf)


def session_for(url: str) -> Any:
    """The session of `url` (created on first use), with its database created and current."""
    with _LOCK:
        if url not in _SESSIONS:
            target = parse_spark_url(url)
            session = _base_session(target).newSession()
            location = f"{'file:' if target.local_lake else ''}{target.lake}/{target.database}.db"
            session.sql(f"create database if not exists {target.database} location '{location}'")
            session.catalog.setCurrentDatabase(target.database)
            _SESSIONS[url] = session
        return _SESSIONS[url]


def _base_session(target: SparkTarget) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUrlError("the Spark warehouse needs pyspark: pip install 'engagement-pipeline[spark]' (and Java 17)") from exc
    global _BASE
    if _BASE is not None:
        return _BASE
    builder = SparkSession.builder.appName("engagement-pipeline")
    if target.master:
        builder = builder.master(target.master)
    settings = dict(DEFAULTS)
    if target.local_lake:
        Path(target.lake).mkdir(parents=True, exist_ok=True)
        metastore = Path(target.lake) / "_metastore"
        settings["spark.hadoop.javax.jdo.option.ConnectionURL"] = f"jdbc:derby:;databaseName={metastore / 'metastore_db'};create=true"
        settings["spark.sql.warehouse.dir"] = target.lake
    if (target.master or "local").startswith("local"):  # tasks run this interpreter, with this project installed
        settings["spark.pyspark.python"] = sys.executable
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(target.conf)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if target.local_lake:  # read when the metastore first boots, after the JVM has started: derby.log goes there
        metastore.mkdir(parents=True, exist_ok=True)
        session.sparkContext._jvm.java.lang.System.setProperty("derby.system.home", str(metastore))
    _BASE = session
    return session


def stop_all() -> None:
    """Forget every session (the SparkContext stops with the process)."""
    with _LOCK:
        _SESSIONS.clear()
