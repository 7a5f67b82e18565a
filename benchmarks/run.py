"""Benchmark the pipeline against the hardware's limit and a naive pandas baseline.

    python benchmarks/run.py [--sizes 1000000,10000000] [--repeats 3] [--backfill-days 30]
                             [--backfill-per-day 100000] [--linearity 7,30,90] [--linearity-per-day 1000000]
                             [--postgres-url URL] [--skip-pandas] [--print-results results.json]
                             [--compare-code OTHER_CHECKOUT] [--skip backfill,linearity,report,postgres]

Every step runs in its own process (peak RSS per step from wait4); each figure is the
median of --repeats runs. Generated data is reused between runs (benchmarks/.data).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
STEPS = ROOT / "benchmarks" / "steps.py"
DAY = date(2026, 10, 1)


def step(*args: str, code: Path | None = None) -> dict:
    """Run one step in a child process (on the code of `code`, default this checkout); its JSON result,
    including the child's own peak RSS (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(code or ROOT), "ENGAGEMENT_BENCH_CODE": str(code or ROOT)}
    proc = subprocess.run([sys.executable, str(STEPS), *args], capture_output=True, text=True, env=env, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"step {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][7:])


def median(results: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in results)


def repeat(n: int, *args: str) -> list[dict]:
    return [step(*args) for _ in range(n)]


def model_figures(runs: list[dict]) -> dict:
    """Medians of the models runs: wall time, Dagster steps, time in SQL and outside it; the largest peak RSS."""
    return {
        "seconds": median(runs),
        "steps": median(runs, "steps"),
        "sql_seconds": median(runs, "sql_seconds"),
        "outside_sql_seconds": median(runs, "outside_sql_seconds"),
        "rss_mib": max(r["rss_mib"] for r in runs),
        "all_seconds": [round(r["seconds"], 2) for r in runs],
    }


def bench_size(size: int, repeats: int, skip_pandas: bool, pg_url: str | None, compare_code: Path | None = None) -> dict:
    data = DATA / f"day-{size}"
    data.mkdir(parents=True, exist_ok=True)
    out: dict = {"size": size, "generate": step("generate", str(data), str(size), "1")}
    db = data / "warehouse.duckdb"
    ingests = []
    for _ in range(repeats):
        db.unlink(missing_ok=True)
        ingests.append(step("ingest", str(data), f"duckdb:///{db}"))
    out["ingest"] = {
        "seconds": median(ingests),
        "rate": median(ingests, "rate"),
        "events": ingests[0]["events"],
        "rss_mib": max(r["rss_mib"] for r in ingests),
    }
    limit_db = data / "limit.duckdb"
    limits = []
    for _ in range(repeats):
        limit_db.unlink(missing_ok=True)
        limits.append(step("limit_ingest", str(data), str(limit_db)))
    out["limit_ingest"] = {"seconds": median(limits), "rate": median(limits, "rate"), "rss_mib": max(r["rss_mib"] for r in limits)}
    raw_bytes = step("storage", str(db))["bytes"]
    args = ("models", f"duckdb:///{db}", DAY.isoformat(), DAY.isoformat())
    models, before = [], []
    for _ in range(repeats):  # interleaved with the code compared against, so both see the same machine
        models.append(step(*args))
        if compare_code:
            before.append(step(*args, code=compare_code))
    out["models"] = model_figures(models)
    if compare_code:
        out["models_before"] = {**model_figures(before), "code": str(compare_code)}
    built = step("storage", str(db))
    out["storage"] = {"raw_bytes": raw_bytes, "bytes": built["bytes"], "quarter_rows": built["quarter_rows"]}
    limit_models = repeat(repeats, "limit_models", str(db))
    out["limit_models"] = {"seconds": median(limit_models), "rss_mib": max(r["rss_mib"] for r in limit_models)}
    if not skip_pandas:
        pandas = repeat(repeats, "pandas_models", str(db))
        out["pandas_models"] = {
            "seconds": median(pandas),
            "load_seconds": median(pandas, "load_seconds"),
            "rss_mib": max(r["rss_mib"] for r in pandas),
        }
    if pg_url:
        out["postgres"] = bench_postgres(data, pg_url, repeats)
    return out


def fresh_pg_database(admin_url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    name = f"engagement_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    admin.dispose()
    return name, sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def bench_postgres(data: Path, admin_url: str, repeats: int) -> dict:
    name, url = fresh_pg_database(admin_url)
    try:
        ingest = step("ingest", str(data), url)
        models = repeat(max(1, repeats - 1), "models", url, DAY.isoformat(), DAY.isoformat())
        return {"copy_rate": ingest["rate"], "ingest_seconds": ingest["seconds"], "models_seconds": median(models)}
    finally:
        drop_pg_database(admin_url, name)


def bench_backfill(days: int, per_day: int) -> dict:
    data = DATA / f"backfill-{days}x{per_day}"
    data.mkdir(parents=True, exist_ok=True)
    step("generate", str(data), str(per_day), str(days))
    db = data / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    ingest = step("ingest", str(data), f"duckdb:///{db}")
    last = DAY + timedelta(days=days - 1)
    one_run = step("models", f"duckdb:///{db}", DAY.isoformat(), last.isoformat())
    single = [
        step("models", f"duckdb:///{db}", (DAY + timedelta(days=i)).isoformat(), (DAY + timedelta(days=i)).isoformat()) for i in range(days)
    ]
    return {
        "days": days,
        "per_day": per_day,
        "events": ingest["events"],
        "one_run_seconds": one_run["seconds"],
        "single_runs_seconds": sum(r["seconds"] for r in single),
        "one_run_rss_mib": one_run["rss_mib"],
    }


def bench_linearity(per_day: int, spans: list[int], repeats: int = 1) -> dict:
    """One-run backfills of each span (days) at `per_day` events a day, on the measured day's events
    replicated onto the following days (`steps.py replicate`), and the line through them: the fixed
    cost of a run, the cost per day and the estimate for 365 days (least squares over the spans)."""
    day = DATA / f"day-{per_day}"
    day.mkdir(parents=True, exist_ok=True)
    step("generate", str(day), str(per_day), "1")
    source = day / "warehouse.duckdb"
    if not source.exists():
        step("ingest", str(day), f"duckdb:///{source}")
    db = DATA / f"span-{per_day}" / "warehouse.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    step("replicate", str(source), str(db), str(max(spans)))
    points = []
    for n in spans:
        runs = repeat(repeats, "models", f"duckdb:///{db}", DAY.isoformat(), (DAY + timedelta(days=n - 1)).isoformat())
        points.append({"days": n, **model_figures(runs)})
    per_day_seconds, fixed = _line([p["days"] for p in points], [p["seconds"] for p in points])
    return {
        "per_day": per_day,
        "points": points,
        "fixed_seconds": fixed,
        "seconds_per_day": per_day_seconds,
        "estimate_365_seconds": fixed + 365 * per_day_seconds,
    }


def _line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Slope and intercept of the least-squares line through the points (slope 0 for a single point)."""
    if len(xs) < 2:
        return ys[0] / xs[0], 0.0
    slope, intercept = statistics.linear_regression(xs, ys)
    return slope, intercept


def model_line(m: dict) -> str:
    steps = f"{m['steps']:.0f} Dagster steps, " if m.get("steps") is not None else ""
    split = f"{m['sql_seconds']:.1f} s in SQL + {m['outside_sql_seconds']:.1f} s outside SQL, " if m.get("sql_seconds") is not None else ""
    return f"{m['seconds']:.1f} s ({steps}{split}peak RSS {m['rss_mib']:,.0f} MiB)"


def report_lines(results: dict) -> list[str]:
    lines = ["| figure | value |", "|---|---|"]
    for size in results["sizes"]:
        n = f"{size['size'] / 1e6:g}M/day"
        ing, lim = size["ingest"], size["limit_ingest"]
        lines += [
            f"| {n} ingestion (Avro decode + load, DuckDB) | {ing['rate']:,.0f} events/s ({ing['seconds']:.1f} s, peak RSS {ing['rss_mib']:,.0f} MiB) |",
            f"| {n} limit: polars decode + DuckDB insert | {lim['rate']:,.0f} events/s ({lim['seconds']:.1f} s); ours / limit = {lim['rate'] / ing['rate']:.2f}x slower |",
            f"| {n} all models, one day (Dagster run, DuckDB) | {model_line(size['models'])} |",
            f"| {n} limit: one hand-written DuckDB rollup | {size['limit_models']['seconds']:.1f} s; ours / limit = {size['models']['seconds'] / size['limit_models']['seconds']:.2f} |",
        ]
        if "models_before" in size:
            before = size["models_before"]
            lines.append(
                f"| {n} all models, one day, code of {before['code']} (same run, interleaved) | {model_line(before)};"
                f" ours / limit = {before['seconds'] / size['limit_models']['seconds']:.2f}; now / then = {size['models']['seconds'] / before['seconds']:.2f} |"
            )
        if "storage" in size:
            st = size["storage"]
            lines.append(
                f"| {n} warehouse for the day (DuckDB, after models) | {st['bytes'] / 2**20:,.0f} MiB"
                f" (raw events alone {st['raw_bytes'] / 2**20:,.0f} MiB; {st['quarter_rows']:,} quarter-hour rows) |"
            )
        if "pandas_models" in size:
            p = size["pandas_models"]
            lines.append(
                f"| {n} naive: pandas groupby (excl. {p['load_seconds']:.1f} s load) | {p['seconds']:.1f} s; pandas / ours = {p['seconds'] / size['models']['seconds']:.2f} (peak RSS {p['rss_mib']:,.0f} MiB) |"
            )
        if "postgres" in size:
            pg = size["postgres"]
            lines.append(
                f"| {n} PostgreSQL: COPY ingestion / all models one day | {pg['copy_rate']:,.0f} events/s / {pg['models_seconds']:.1f} s |"
            )
    if "backfill" in results:
        b = results["backfill"]
        lines.append(
            f"| backfill {b['days']} days x {b['per_day']:,} events: one run vs {b['days']} single-day runs | {b['one_run_seconds']:.1f} s vs {b['single_runs_seconds']:.1f} s ({b['single_runs_seconds'] / b['one_run_seconds']:.1f}x) |"
        )
    if "linearity" in results:
        lin = results["linearity"]
        n = f"{lin['per_day'] / 1e6:g}M/day"
        for point in lin["points"]:
            lines.append(
                f"| one-run backfill, {point['days']} days x {n} | {model_line(point)}; {point['seconds'] / point['days']:.2f} s/day |"
            )
        lines.append(
            f"| 365-day backfill x {n}, estimated from the spans above (fixed + per day x 365) |"
            f" {lin['estimate_365_seconds'] / 60:.1f} min ({lin['fixed_seconds']:.1f} s + {lin['seconds_per_day']:.2f} s/day x 365) |"
        )
    if "recipients" in results:
        r = results["recipients"]
        lines.append(
            f"| recipient export, {r['rows']:,} recipients ({r['events']:,} events), zip | {r['seconds']} s, peak RSS {r['rss_mib']:,} MiB |"
        )
    for key in ("report", "report_tokyo"):
        if key not in results:
            continue
        r = results[key]
        lines.append(
            f"| report {r['days']} days x {r['messages']} variants, daily, {r.get('timezone', 'UTC')}"
            f" ({r['touch_rows']:,} touch rows, {r.get('quarter_rows', 0):,} quarter-hour rows)"
            f" | {r['seconds']:.1f} s (peak RSS {r['rss_mib']:,.0f} MiB) |"
        )
    return lines


def verdict(ok: bool, text: str) -> str:
    return f"| {'met' if ok else 'MISSED'} | {text} |"


def target_lines(results: dict) -> list[str]:
    """Issue 19's targets against the figures: met or missed, and by how much (the README explains each miss)."""
    lines = ["", "| target | figure |", "|---|---|"]
    for size in results["sizes"]:
        n = f"{size['size'] / 1e6:g}M/day"
        models, limit = size["models"]["seconds"], size["limit_models"]["seconds"]
        bound = 3.0 if size["size"] <= 1_000_000 else 2.0
        lines.append(verdict(models <= bound * limit, f"{n} models within {bound:g}x of the hand-written statement: {models / limit:.1f}x"))
        if "pandas_models" in size:
            pandas = size["pandas_models"]["seconds"]
            lines.append(verdict(models < pandas, f"{n} models faster than pandas' groupby alone: ours / pandas = {models / pandas:.2f}"))
        ratio = size["limit_ingest"]["rate"] / size["ingest"]["rate"]
        lines.append(verdict(ratio <= 1.5, f"{n} ingestion within 1.5x of the limit: {ratio:.2f}x"))
        if size["size"] >= 10_000_000:
            peak = max(size["ingest"]["rss_mib"], size["models"]["rss_mib"])
            lines.append(verdict(peak <= 2048, f"{n} peak RSS <= 2 GB for every step of ours: {peak:,.0f} MiB"))
    if "linearity" in results:
        lin = results["linearity"]
        per_day = [p["seconds"] / p["days"] for p in lin["points"]]
        minutes = lin["estimate_365_seconds"] / 60
        lines.append(
            verdict(minutes < 10, f"365-day backfill at {lin['per_day'] / 1e6:g}M/day under 10 min of model time: {minutes:.1f} min")
        )
        growth = per_day[-1] / per_day[0]
        lines.append(verdict(growth <= 1.1, f"linear in days (cost per day of the longest span / the shortest): {growth:.2f}"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backfill-days", type=int, default=30)
    parser.add_argument("--backfill-per-day", type=int, default=100_000)
    parser.add_argument("--linearity", default="7,30,90", help="spans (days) of one-run backfills: linear growth, 365-day estimate")
    parser.add_argument("--linearity-per-day", type=int, default=1_000_000, help="events per day of those spans")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ENGAGEMENT_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--print-results", type=Path, help="print the tables of an earlier run's results.json and stop")
    parser.add_argument(
        "--compare-code", type=Path, help="another checkout (e.g. main) whose models run is measured too, interleaved with ours"
    )
    parser.add_argument("--skip", default="", help="comma list of: sizes, backfill, linearity, report, recipients, postgres")
    parser.add_argument("--recipients", type=int, default=5_000_000, help="recipients of the campaign of the recipient export")
    args = parser.parse_args()
    if args.print_results:
        earlier = json.loads(args.print_results.read_text())
        print("\n".join(report_lines(earlier) + target_lines(earlier)))
        return
    skip = set(filter(None, args.skip.split(",")))
    results: dict = {"sizes": []}
    for size in (int(s) for s in args.sizes.split(",") if "sizes" not in skip):
        pg = None if "postgres" in skip or size > 2_000_000 else args.postgres_url
        results["sizes"].append(bench_size(size, args.repeats, args.skip_pandas, pg, args.compare_code))
        print(json.dumps(results["sizes"][-1]), flush=True)
    if "backfill" not in skip:
        results["backfill"] = bench_backfill(args.backfill_days, args.backfill_per_day)
    if "linearity" not in skip:
        results["linearity"] = bench_linearity(args.linearity_per_day, [int(s) for s in args.linearity.split(",")])
    if "report" not in skip:
        db = DATA / "report.duckdb"
        db.unlink(missing_ok=True)
        results["report"] = step("report", f"duckdb:///{db}", "365", "200")
        db.unlink(missing_ok=True)
        results["report_tokyo"] = step("report", f"duckdb:///{db}", "365", "200", "Asia/Tokyo")
    if "recipients" not in skip:
        db = DATA / f"recipients-{args.recipients}" / "warehouse.duckdb"
        if not db.is_file():
            step("recipients", str(db), str(args.recipients), "zip")  # builds the warehouse once
        results["recipients"] = step("recipients", str(db), str(args.recipients), "zip")
    (DATA / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(report_lines(results) + target_lines(results)))


if __name__ == "__main__":
    main()
