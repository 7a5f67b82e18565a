"""Vocabularies of the event-specific fields, and which frame column codes each field.

A funnel stores a code (an index into these tuples) in a frame column; `FIELD_CODES` maps
an Avro field, per event family where meanings differ, to that column and its values.
"""

from __future__ import annotations

ABORTS = (
    ("liquid_abort_message", "Message aborted by abort_message in Liquid"),
    ("rate_limit", "Messaging rate limit reached for this campaign"),
    ("frequency_capped", "User reached the workspace frequency cap"),
)
RETRIES = (("rate_limited", "Provider throttled the request; retrying"), ("provider_timeout", "Provider timed out; retrying"))
HARD_BOUNCES = (
    "550 5.1.1 The email account that you tried to reach does not exist",
    "550 5.1.2 Host unknown / domain not found",
    "554 5.7.1 Message rejected as spam",
    "552 5.2.2 Mailbox full",
)
SOFT_BOUNCES = (
    "452 4.2.2 Mailbox full",
    "421 4.4.2 Connection timed out",
    "451 4.7.1 Greylisted, please try again later",
)
HOST_UNKNOWN = 1
BOUNCE_WEIGHTS = (0.7, 0.05, 0.15, 0.1)
DEFERRALS = (
    "421 4.7.0 Try again later, closing connection",
    "450 4.2.1 The user you are trying to contact is receiving mail too quickly",
    "421 4.4.0 [internal] no mail servers for this domain could be reached at this time",
)
BOT_REASONS = (None, ("user_agent",), ("ip_address",))
PUSH_BUTTONS = (("Shop now", "uri"), ("Remind me later", "close"))
# http status, response body, terminal, retry count
HTTP_FAILURES = (
    (500, "Internal Server Error", False, 0),
    (429, "Too Many Requests", False, 0),
    (404, "Not Found", True, 0),
    (500, "Internal Server Error", True, 3),
)
HTTP_WEIGHTS = (0.3, 0.35, 0.25, 0.1)
SMS_REJECTIONS = (
    ("21610", "Attempt to send to unsubscribed recipient"),
    ("21211", "Invalid 'To' Phone Number"),
    ("30007", "Message filtered"),
)
SMS_FAILURES = (
    ("30003", "Unreachable destination handset"),
    ("30005", "Unknown destination handset"),
    ("30006", "Landline or unreachable carrier"),
    ("30008", "Unknown error"),
)
SMS_ERRORS = SMS_REJECTIONS + SMS_FAILURES
WHATSAPP_ERRORS = (
    ("131026", "Message undeliverable"),
    ("131047", "Re-engagement message"),
    ("131049", "Meta chose not to deliver"),
    ("131000", "Something went wrong"),
)
SMS_REPLIES = (("Unsubscribed", "STOP", None), ("Other", "HELP", None), ("Subscribed", "START", None))
WHATSAPP_REPLIES = (("Other", "Yes please!", "Yes please!"), ("Other", "When will it arrive?", None), ("Unsubscribed", "STOP", None))
CONVERSIONS = (
    '{"type":"makes_any_purchase"}',
    '{"type":"performs_custom_event","custom_event_name":"added_to_cart"}',
)


def _nth(rows: tuple[tuple, ...], n: int) -> tuple:
    return tuple(row[n] for row in rows)


# (event family or None for any, field) -> (frame column, values)
FIELD_CODES: dict[tuple[str | None, str], tuple[str, tuple]] = {
    (None, "abort_type"): ("abort", _nth(ABORTS, 0)),
    (None, "abort_log"): ("abort", _nth(ABORTS, 1)),
    (None, "retry_type"): ("retry", _nth(RETRIES, 0)),
    (None, "retry_log"): ("retry", _nth(RETRIES, 1)),
    (None, "bounce_reason"): ("bounce", HARD_BOUNCES + SOFT_BOUNCES),
    (None, "is_drop"): ("drop", (False, True)),
    (None, "deferral_reason"): ("deferral", DEFERRALS),
    (None, "attempt_count"): ("attempt", (1, 2, 3)),
    (None, "machine_open"): ("machine", ("false", "true")),
    (None, "is_suspected_bot_click"): ("bot", (False, True, True)),
    (None, "suspected_bot_click_reason"): ("bot", BOT_REASONS),
    (None, "url"): ("link", "url"),
    (None, "link_id"): ("link", "link_id"),
    (None, "link_alias"): ("link", "link_alias"),
    (None, "short_url"): ("link", "short_url"),
    ("inappmessage", "button_id"): ("button", ("0", "1")),
    ("pushnotification", "button_string"): ("button", _nth(PUSH_BUTTONS, 0)),
    ("pushnotification", "button_action_type"): ("button", _nth(PUSH_BUTTONS, 1)),
    ("webhook", "http_status_code"): ("http", _nth(HTTP_FAILURES, 0)),
    ("webhook", "raw_response"): ("http", _nth(HTTP_FAILURES, 1)),
    ("webhook", "is_terminal"): ("http", _nth(HTTP_FAILURES, 2)),
    ("webhook", "retry_count"): ("http", _nth(HTTP_FAILURES, 3)),
    ("sms", "provider_error_code"): ("error", _nth(SMS_ERRORS, 0)),
    ("sms", "error"): ("error", _nth(SMS_ERRORS, 1)),
    ("whatsapp", "provider_error_code"): ("error", _nth(WHATSAPP_ERRORS, 0)),
    ("whatsapp", "provider_error_title"): ("error", _nth(WHATSAPP_ERRORS, 1)),
    ("sms", "action"): ("reply", _nth(SMS_REPLIES, 0)),
    ("sms", "message_body"): ("reply", _nth(SMS_REPLIES, 1)),
    ("whatsapp", "action"): ("reply", _nth(WHATSAPP_REPLIES, 0)),
    ("whatsapp", "message_body"): ("reply", _nth(WHATSAPP_REPLIES, 1)),
    ("whatsapp", "quick_reply_text"): ("reply", _nth(WHATSAPP_REPLIES, 2)),
    (None, "conversion_behavior_index"): ("conv", (0, 1)),
    (None, "conversion_behavior"): ("conv", CONVERSIONS),
    (None, "in_control_group"): ("control", (False, True)),
}
