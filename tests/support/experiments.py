"""An A/B test with a control group, a one-variant campaign and a Canvas with two variations, built once
per engine for the test session (``built`` fixture, in tests/conftest.py), shared by the variant results
and recipient export tests.

Campaign c_exp "Spring test" (email), UTC 2026-11-20 .. 2026-11-21:
- va "Subject A": u1, u2, u3 sent and delivered on day 1; u1 opens, clicks (and a suspected bot click
  by u2) and converts; u1 is sent again on day 2 (a re-send); u9 is sent on day 2, delivered, unsubscribes.
- vb "Subject B": u4, u5 sent on day 1 (u4 delivered and converts, u5 bounces); u3 is sent vb on
  day 2 (a user in two variants: reported in va, flagged).
- vc, the control group (no name): u6, u7, u8 enrolled on day 1 (u8 twice: one user, two enrolment
  events); u6 converts on day 1, u7 on day 2.
- one event (u4's conversion) is delivered twice by Currents (the same id): counted once.
Campaign c_solo "Solo" (one variant, no control): u1 sent on day 1.
Canvas cv_x "Journey": variation cvA step s1 sent to u10 (who clicks) and u11, step s2 sent to u10;
variation cvB step s1 sent to u12. Canvas conversions: u10 twice (cvA, days 1 and 2), u12 (cvB).
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import pg_database
from tests.support import event, load_events, materialize_days

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 21)
EMAIL = "users.messages.email."
CONVERT = "users.campaigns.Conversion"


def _exp(variation: str) -> dict:
    names = {"va": "Subject A", "vb": "Subject B", "vc": None}
    return {
        "campaign_id": "c_exp",
        "campaign_name": "Spring test",
        "message_variation_id": variation,
        "message_variation_name": names[variation],
    }


def _canvas(variation: str, step: str) -> dict:
    return {
        "canvas_id": "cv_x",
        "canvas_name": "Journey",
        "canvas_variation_id": variation,
        "canvas_variation_name": {"cvA": "Variant A", "cvB": "Variant B"}[variation],
        "canvas_step_id": step,
        "canvas_step_name": {"s1": "First email", "s2": "Second email"}[step],
    }


def _ext(user: str) -> dict:
    return {"external_user_id": f"ext-{user}"}


def experiment_events() -> list[dict]:
    day1, day2 = "2026-11-20T", "2026-11-21T"
    rows = []
    for i, user in enumerate(("u1", "u2", "u3")):
        rows += [
            event(EMAIL + "Send", f"{day1}09:0{i}:00", user, **_exp("va"), **_ext(user)),
            event(EMAIL + "Delivery", f"{day1}09:0{i}:05", user, **_exp("va"), **_ext(user)),
        ]
    rows += [
        event(EMAIL + "Open", f"{day1}10:00:00", "u1", **_exp("va")),
        event(EMAIL + "Click", f"{day1}10:01:00", "u1", **_exp("va")),
        event(EMAIL + "Click", f"{day1}10:02:00", "u2", is_bot_click=True, **_exp("va")),
        event(CONVERT, f"{day1}11:00:00", "u1", **_exp("va")),
        event(EMAIL + "Send", f"{day2}09:00:00", "u1", **_exp("va"), **_ext("u1")),
        event(EMAIL + "Send", f"{day2}09:10:00", "u9", **_exp("va"), **_ext("u9")),
        event(EMAIL + "Delivery", f"{day2}09:10:05", "u9", **_exp("va")),
        event(EMAIL + "Unsubscribe", f"{day2}12:00:00", "u9", **_exp("va")),
        event(EMAIL + "Send", f"{day1}09:30:00", "u4", **_exp("vb"), **_ext("u4")),
        event(EMAIL + "Delivery", f"{day1}09:30:05", "u4", **_exp("vb")),
        event(CONVERT, f"{day1}13:00:00", "u4", event_id="conv-u4", **_exp("vb")),
        event(CONVERT, f"{day1}13:00:00", "u4", event_id="conv-u4", **_exp("vb")),
        event(EMAIL + "Send", f"{day1}09:31:00", "u5", **_exp("vb"), **_ext("u5")),
        event(EMAIL + "Bounce", f"{day1}09:31:02", "u5", **_exp("vb")),
        event(EMAIL + "Send", f"{day2}08:00:00", "u3", **_exp("vb"), **_ext("u3")),
    ]
    rows += [event("users.campaigns.EnrollInControl", f"{day1}09:00:00", u, **_exp("vc"), **_ext(u)) for u in ("u6", "u7", "u8")]
    rows.append(event("users.campaigns.EnrollInControl", f"{day1}12:00:00", "u8", **_exp("vc"), **_ext("u8")))
    rows += [event(CONVERT, f"{day1}15:00:00", "u6", **_exp("vc")), event(CONVERT, f"{day2}15:00:00", "u7", **_exp("vc"))]
    rows.append(event(EMAIL + "Send", f"{day1}09:00:00", "u1", campaign_id="c_solo", campaign_name="Solo", message_variation_id="vs"))
    rows += [
        event(EMAIL + "Send", f"{day1}07:00:00", "u10", **_canvas("cvA", "s1"), **_ext("u10")),
        event(EMAIL + "Click", f"{day1}07:30:00", "u10", **_canvas("cvA", "s1")),
        event(EMAIL + "Send", f"{day2}07:00:00", "u10", **_canvas("cvA", "s2"), **_ext("u10")),
        event(EMAIL + "Send", f"{day1}07:00:00", "u11", **_canvas("cvA", "s1")),
        event(EMAIL + "Send", f"{day1}07:00:00", "u12", **_canvas("cvB", "s1")),
        event("users.canvas.Conversion", f"{day1}08:00:00", "u10", **_canvas("cvA", "s1")),
        event("users.canvas.Conversion", f"{day2}08:00:00", "u10", **_canvas("cvA", "s2")),
        event("users.canvas.Conversion", f"{day1}09:00:00", "u12", **_canvas("cvB", "s1")),
    ]
    return rows


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def built(request, tmp_path_factory) -> tuple[str, Path]:
    """One warehouse per engine with the events above, every model built once for the test session."""
    home = tmp_path_factory.mktemp(request.param)
    with contextlib.ExitStack() as stack:
        if request.param == "duckdb":
            url = f"duckdb:///{home / 'warehouse.duckdb'}"
        else:
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_admin_url")))
        load_events(url, experiment_events())
        materialize_days(url, home, DAY, NEXT)
        yield url, home
