import contextlib
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("ENGAGEMENT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _pg_available() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any connection failure means "no server here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


def require(reason: str | None) -> None:
    """Skip on a developer machine without the component; fail loudly in CI."""
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true and a required component is missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    require(_pg_available())
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    with pg_database(pg_admin_url) as url:
        yield url


@contextlib.contextmanager
def pg_database(pg_admin_url: str):
    """Create a fresh PostgreSQL database, yield its URL, drop it (and our pooled engine) afterwards."""
    name = f"engagement_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        _drop(admin, name, url)


def _drop(admin: sa.Engine, name: str, url: str) -> None:
    from engagement_pipeline.lib.platform.warehouse import _ENGINES

    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture
def duckdb_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request, tmp_path: Path) -> str:
    """Run a test on both warehouses."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def shared_fixtures() -> Path:
    folder = SHARED / "fixtures" / "braze_currents" / "avro"
    if not folder.is_dir():
        require(f"{folder} is absent (the project's ../shared folder)")
    return folder


from tests.support.experiments import built  # noqa: E402,F401  (fixture)
from tests.support.s3_server import s3_server  # noqa: E402,F401  (fixture)
from tests.support.smtp_server import smtp_server  # noqa: E402,F401  (fixture)


@pytest.fixture(scope="module")
def spark_lake(tmp_path_factory) -> Path:
    """A lake folder shared by a module's Spark tests (the JVM starts once per test process, ~10 s)."""
    from tests.support.spark import spark_missing

    require(spark_missing())
    return tmp_path_factory.mktemp("lake")
