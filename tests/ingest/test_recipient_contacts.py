"""Contact details go to recipient_contacts only (latest value per user), never to the events, the quarantine or a log."""

import logging
from pathlib import Path

import fastavro

from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import table
from tests.support.avro_files import currents_key, write_events

NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z
SMS_SEND = "users.messages.sms.Send"
_TEXT = ["null", "string"]


def _write_sms(path: Path, records: list[dict]) -> None:
    fields = ["id", "user_id", "campaign_id", "message_variation_id", "to_phone_number", "from_phone_number"]
    schema = {
        "type": "record",
        "name": f"dataexport.S3.inner.{SMS_SEND}",
        "fields": [{"name": n, "type": _TEXT, "default": None} for n in fields]
        + [{"name": "time", "type": ["null", "int"], "default": None}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        fastavro.writer(
            handle, fastavro.parse_schema(schema), [{"campaign_id": "c1", "from_phone_number": "+15550000000", **r} for r in records]
        )


def _ingest(url: str, landing: Path, messages: list[str]) -> None:
    ingest(make_engine(url), ObjectStore(str(landing)), log=messages.append, workers=1)


def _everything(url: str, table_name: str) -> str:
    return repr(table(url, f"select * from {table_name}"))


def test_contacts_keep_the_latest_address_and_number_per_user_and_nothing_else_holds_them(warehouse_url, tmp_path, caplog, capsys):
    landing, messages = tmp_path / "landing", []
    caplog.set_level(logging.DEBUG)
    send, open_ = "users.messages.email.Send", "users.messages.email.Open"
    write_events(
        landing / currents_key(send, "2026-11-20-10", "a"),
        [
            {"id": "s1", "user_id": "u1", "time": NOV20 + 3600, "email_address": "Old.Address@Example.org"},
            {"id": "s2", "user_id": "u2", "time": NOV20 + 3600, "email_address": "u2@example.org"},
            {"id": "bad", "user_id": "u3", "time": 5, "email_address": "quarantined@example.org"},  # an absurd time
        ],
    )
    write_events(
        landing / currents_key(open_, "2026-11-20-12", "b"),
        [{"id": "o1", "user_id": "u1", "time": NOV20 + 7200, "email_address": "new@example.org"}],
    )
    _write_sms(
        landing / currents_key(SMS_SEND, "2026-11-20-10", "c"),
        [{"id": "m1", "user_id": "u1", "time": NOV20 + 60, "to_phone_number": "+33612345678"}],
    )
    _ingest(warehouse_url, landing, messages)
    # a file written later with an older event (Currents files arrive late): it does not replace the newer address
    write_events(
        landing / currents_key(send, "2026-11-21-03", "late"),
        [{"id": "s0", "user_id": "u1", "time": NOV20 + 60, "email_address": "older@example.org"}],
    )
    _ingest(warehouse_url, landing, messages)

    contacts = table(
        warehouse_url, "select user_id, email_address, phone_number, email_seen_at, phone_seen_at from recipient_contacts order by 1"
    )
    assert [(r["user_id"], r["email_address"], r["phone_number"]) for r in contacts] == [
        ("u1", "new@example.org", "+33612345678"),
        ("u2", "u2@example.org", None),
    ]
    assert str(contacts[0]["email_seen_at"]).startswith("2026-11-20 02:00") and str(contacts[0]["phone_seen_at"]).startswith(
        "2026-11-20 00:01"
    )
    personal = ("@example.org", "Old.Address", "+33612345678", "quarantined@")
    leaks = {
        "raw events": _everything(warehouse_url, "raw_currents_events"),
        "quarantine": _everything(warehouse_url, "currents_quarantine"),
        "log": "\n".join(messages) + caplog.text + "".join(capsys.readouterr()),
    }
    assert "example.org" in leaks["raw events"]  # the domain, for the domain breakdown
    assert {where: [p for p in personal if p in text] for where, text in leaks.items()} == {where: [] for where in leaks}
    assert "(redacted)" in leaks["quarantine"]
