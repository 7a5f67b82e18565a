"""Where each Avro field of a synthetic event gets its value.

Sources: `row` (computed per event: id, time, dispatch and send ids, session id), `user`
(the user's attributes), `device` (the user's app or web device, in app-side event
families only), `msg` (the message's campaign/Canvas fields and sender settings), `code`
(an event-specific frame column, see `vocab.FIELD_CODES`), or `const` (a fixed value,
None when Currents would leave the field empty here).
"""

from __future__ import annotations

from dataclasses import dataclass

from engagement_pipeline.sample_data.synth.vocab import FIELD_CODES

ROW_FIELDS = ("id", "time", "dispatch_id", "send_id", "session_id")
USER_FIELDS = (
    "user_id",
    "external_user_id",
    "email_address",
    "timezone",
    "country",
    "language",
    "gender",
    "to_phone_number",
    "user_phone_number",
    "recipient_domain",
    "mailbox_provider",
)
EMAIL_CLIENT_FIELDS = ("device_class", "device_os", "browser", "user_agent")
DEVICE_FIELDS = ("device_id", "platform", "os_version", "device_model", "sdk_version", "resolution", "carrier", "browser", "app_id")
APP_FAMILIES = ("pushnotification", "inappmessage", "contentcard", "banner", "app")
MSG_FIELDS = (
    "campaign_id",
    "campaign_name",
    "message_variation_id",
    "message_variation_name",
    "canvas_id",
    "canvas_name",
    "canvas_variation_id",
    "canvas_variation_name",
    "canvas_step_id",
    "canvas_step_name",
    "canvas_step_message_variation_id",
    "content_card_id",
    "subscription_group_id",
    "from_phone_number",
    "inbound_phone_number",
    "from_domain",
    "esp",
    "ip_pool",
    "sending_ip",
    "template_name",
    "endpoint_url",
    "host",
    "url_path",
    "banner_placement_id",
)


@dataclass(frozen=True)
class Source:
    kind: str
    key: str
    values: tuple | str | None = None


def family(event_type: str) -> str:
    """`email` for users.messages.email.Open, `campaigns`, `canvas` or `app` otherwise."""
    parts = event_type.split(".")
    return parts[2] if parts[1] in ("messages", "behaviors") else parts[1]


def resolve(event_type: str, name: str, app_group_id: str) -> Source:
    fam = family(event_type)
    if name in ROW_FIELDS:
        return Source("row", name)
    if name in USER_FIELDS or (fam == "email" and name in EMAIL_CLIENT_FIELDS):
        return Source("user", name)
    if fam in APP_FAMILIES and name in DEVICE_FIELDS:
        return Source("device", name)
    if name in MSG_FIELDS:
        return Source("msg", name)
    coded = FIELD_CODES.get((fam, name)) or FIELD_CODES.get((None, name))
    if coded:
        return Source("code", coded[0], coded[1])
    if name == "app_group_id":
        return Source("const", name, app_group_id)
    if name == "version":
        return Source("const", name, "2")
    return Source("const", name, None)
