"""Avro writer schemas of the Braze Currents event types the sample-data generator writes.

Field lists follow the real Currents (v10) writer schemas name for name, in order, with
their types. Notation: a bare name is a `string`, `name:int` names another type, a
trailing `?` makes the field optional (`["null", T]`, default null), and `@campaign` /
`@canvas` / `@ids` / `@names` stand for the runs of message fields many types share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

SCHEMA_NAME_PREFIX = "dataexport.S3.inner."

_GROUPS: dict[str, str] = {
    "@campaign": "campaign_id? campaign_name? message_variation_id? message_variation_name?",
    "@canvas": "canvas_id? canvas_name? canvas_variation_id? canvas_variation_name? canvas_step_id? canvas_step_name?",
    "@ids": ("campaign_id? message_variation_id? canvas_id? canvas_variation_id? canvas_step_id? canvas_step_message_variation_id?"),
    "@names": "campaign_name? message_variation_name? canvas_name? canvas_variation_name? canvas_step_name?",
}

_FIELDS: dict[str, str] = {
    # Not in the sample files: written from Braze's Currents glossary (Cloud Storage tab); the order is ours.
    "users.behaviors.app.SessionStart": (
        "id user_id external_user_id? app_group_id? time:int app_id session_id platform? os_version? device_model? device_id?"
    ),
    "users.campaigns.Conversion": (
        "id user_id external_user_id? app_id? time:int timezone? campaign_id campaign_name? message_variation_id? "
        "message_variation_name? send_id? conversion_behavior_index:int? conversion_behavior? app_group_id?"
    ),
    "users.campaigns.EnrollInControl": (
        "id user_id external_user_id? app_id? time:int timezone? campaign_id campaign_name? message_variation_id? "
        "message_variation_name? send_id? app_group_id?"
    ),
    "users.canvas.Conversion": (
        "id user_id external_user_id? app_id? time:int timezone? canvas_id canvas_name? canvas_variation_id "
        "canvas_variation_name? canvas_step_id? canvas_step_name? conversion_behavior_index:int? conversion_behavior? "
        "app_group_id?"
    ),
    "users.canvas.Entry": (
        "id user_id external_user_id? time:int timezone? canvas_id canvas_name? canvas_variation_id "
        "canvas_variation_name? canvas_step_id? canvas_step_name? in_control_group:boolean app_group_id?"
    ),
    "users.canvas.exit.MatchedAudience": (
        "id user_id external_user_id? app_group_id app_group_api_id? time:int canvas_id canvas_variation_id "
        "canvas_step_id? canvas_name? canvas_variation_name? canvas_step_name? canvas_api_id? "
        "canvas_variation_api_id? canvas_step_api_id?"
    ),
    "users.messages.banner.Impression": (
        "id user_id external_user_id? app_group_id? time:int app_id? campaign_id? message_variation_id? gender? "
        "country? timezone? language? device_id? sdk_version? platform? os_version? device_model? resolution? "
        "carrier? browser? ad_id? ad_id_type? ad_tracking_enabled:boolean? banner_placement_id? campaign_name? "
        "message_variation_name? canvas_id? canvas_step_id? canvas_name? canvas_step_name? "
        "canvas_step_message_variation_id? canvas_variation_id? canvas_variation_name?"
    ),
    "users.messages.contentcard.Abort": (
        "abort_log? abort_type? app_group_id? campaign_id? campaign_name? canvas_id? canvas_name? canvas_step_id? "
        "canvas_step_message_variation_id? canvas_step_name? canvas_variation_id? canvas_variation_name? device_id? "
        "dispatch_id? external_user_id? id message_variation_id? message_variation_name? send_id? time:int timezone? "
        "user_id"
    ),
    "users.messages.contentcard.Click": (
        "id user_id external_user_id? content_card_id time:int app_id send_id? @campaign canvas_id? "
        "canvas_variation_id? canvas_step_id? canvas_variation_name? canvas_step_name? canvas_name? timezone? "
        "device_id? platform? os_version? device_model? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.contentcard.Dismiss": (
        "id user_id external_user_id? content_card_id time:int app_id send_id? @campaign canvas_id? "
        "canvas_variation_id? canvas_variation_name? canvas_step_id? canvas_step_name? canvas_name? timezone? "
        "device_id? platform? os_version? device_model? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.contentcard.Impression": (
        "id user_id external_user_id? content_card_id time:int app_id send_id? @campaign canvas_id? "
        "canvas_variation_id? canvas_variation_name? canvas_step_id? canvas_step_name? canvas_name? timezone? "
        "device_id? platform? os_version? device_model? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.contentcard.Send": (
        "id user_id external_user_id? content_card_id time:int send_id? @campaign canvas_id? canvas_variation_id? "
        "canvas_variation_name? canvas_step_id? canvas_step_name? canvas_name? timezone? device_id? message_extras? "
        "app_group_id?"
    ),
    "users.messages.email.Abort": (
        "abort_log? abort_type? app_group_id? campaign_id? campaign_name? canvas_id? canvas_name? canvas_step_id? "
        "canvas_step_message_variation_id? canvas_step_name? canvas_variation_id? canvas_variation_name? device_id? "
        "dispatch_id? email_address external_user_id? id ip_pool? message_variation_id? message_variation_name? "
        "send_id? time:int timezone? user_id"
    ),
    "users.messages.email.Bounce": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "sending_ip? ip_pool? bounce_reason? esp? from_domain? is_drop:boolean? app_group_id?"
    ),
    "users.messages.email.Click": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address url? @canvas send_id? "
        "user_agent? ip_pool? link_id? link_alias? esp? from_domain? is_amp:boolean? app_group_id? device_class? "
        "device_os? device_model? browser? mailbox_provider? is_suspected_bot_click:boolean? "
        "suspected_bot_click_reason:array<string>?"
    ),
    "users.messages.email.Deferral": (
        "id time:int user_id external_user_id? app_group_id? send_id? @ids dispatch_id? email_address "
        "recipient_domain? esp? from_domain? ip_pool? sending_ip? timezone? deferral_reason? attempt_count:int? "
        "@names"
    ),
    "users.messages.email.Delivery": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "sending_ip? ip_pool? esp? from_domain? app_group_id?"
    ),
    "users.messages.email.MarkAsSpam": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "user_agent? ip_pool? esp? from_domain? app_group_id?"
    ),
    "users.messages.email.Open": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "user_agent? ip_pool? machine_open? esp? from_domain? is_amp:boolean? app_group_id? device_class? device_os? "
        "device_model? browser? mailbox_provider?"
    ),
    "users.messages.email.Retry": (
        "app_group_id? external_user_id? id time:int user_id retry_type? retry_log? send_id? dispatch_id? @ids "
        "gender? country? timezone? language? email_address ip_pool? @names device_id?"
    ),
    "users.messages.email.Send": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "ip_pool? message_extras? app_group_id? from_domain?"
    ),
    "users.messages.email.SoftBounce": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? "
        "sending_ip? ip_pool? bounce_reason? esp? from_domain? app_group_id?"
    ),
    "users.messages.email.Unsubscribe": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign email_address @canvas send_id? ip_pool? app_group_id?"
    ),
    "users.messages.inappmessage.Abort": (
        "abort_log? abort_type? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id? app_id? browser? "
        "campaign_id? campaign_name? canvas_id? canvas_name? canvas_step_id? canvas_step_message_variation_id? "
        "canvas_step_name? canvas_variation_id? canvas_variation_name? card_id? carrier? device_id? device_model? "
        "dispatch_id? external_user_id? id message_variation_id? message_variation_name? os_version? platform? "
        "resolution? send_id? time:int timezone? user_id version"
    ),
    "users.messages.inappmessage.Click": (
        "id user_id external_user_id? app_id time:int timezone? @campaign @canvas card_id? platform? os_version? "
        "device_model? button_id? send_id? device_id? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.inappmessage.Impression": (
        "id user_id external_user_id? time:int timezone? app_id @campaign @canvas card_id? platform? os_version? "
        "device_model? send_id? device_id? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id? "
        "message_extras? locale_key?"
    ),
    "users.messages.pushnotification.Abort": (
        "abort_log? abort_type? app_group_id? app_id? campaign_id? campaign_name? canvas_id? canvas_name? "
        "canvas_step_id? canvas_step_message_variation_id? canvas_step_name? canvas_variation_id? "
        "canvas_variation_name? device_id? dispatch_id? external_user_id? id message_variation_id? "
        "message_variation_name? platform send_id? time:int timezone? user_id"
    ),
    "users.messages.pushnotification.Bounce": (
        "id user_id external_user_id? app_id time:int timezone? platform? @campaign @canvas send_id? dispatch_id? "
        "device_id? ad_id? ad_id_type? ad_tracking_enabled:boolean? push_token? app_group_id?"
    ),
    "users.messages.pushnotification.IosForeground": (
        "id user_id external_user_id? app_id time:int timezone? platform @campaign @canvas send_id? dispatch_id? "
        "device_id? ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.pushnotification.Open": (
        "id user_id external_user_id? time:int timezone? app_id @campaign @canvas canvas_step_message_variation_id? "
        "platform? os_version? device_model? send_id? dispatch_id? device_id? button_action_type? button_string? "
        "ad_id? ad_id_type? ad_tracking_enabled:boolean? app_group_id?"
    ),
    "users.messages.pushnotification.Retry": (
        "app_group_id? external_user_id? id time:int user_id device_id? app_id? dispatch_id? send_id? @ids gender? "
        "country? timezone? language? platform retry_type? retry_log? @names"
    ),
    "users.messages.pushnotification.Send": (
        "id user_id external_user_id? app_id time:int timezone? platform @campaign @canvas send_id? dispatch_id? "
        "device_id? ad_id? ad_id_type? ad_tracking_enabled:boolean? message_extras? push_token? app_group_id? "
        "locale_key?"
    ),
    "users.messages.sms.Abort": (
        "abort_log? abort_type? app_group_id? campaign_id? campaign_name? canvas_id? canvas_name? canvas_step_id? "
        "canvas_step_message_variation_id? canvas_step_name? canvas_variation_id? canvas_variation_name? "
        "external_user_id? id message_variation_id? message_variation_name? subscription_group_id? time:int user_id"
    ),
    "users.messages.sms.CarrierSend": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign to_phone_number? "
        "subscription_group_id? from_phone_number? @canvas send_id? app_group_id?"
    ),
    "users.messages.sms.Delivery": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign to_phone_number? "
        "subscription_group_id? from_phone_number? @canvas send_id? app_group_id? is_sms_fallback:boolean?"
    ),
    "users.messages.sms.DeliveryFailure": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign to_phone_number? "
        "subscription_group_id? error? provider_error_code? @canvas send_id? app_group_id? is_sms_fallback:boolean?"
    ),
    "users.messages.sms.InboundReceive": (
        "id user_id? external_user_id? app_group_id time:int user_phone_number subscription_group_id? "
        "inbound_phone_number action message_body media_urls:array<?string>? @campaign @canvas"
    ),
    "users.messages.sms.Rejection": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign to_phone_number? "
        "subscription_group_id? from_phone_number? error? provider_error_code? @canvas send_id? app_group_id? "
        "is_sms_fallback:boolean?"
    ),
    "users.messages.sms.Retry": (
        "app_group_id? external_user_id? id time:int user_id @ids subscription_group_id? retry_type? retry_log? @names"
    ),
    "users.messages.sms.Send": (
        "id user_id dispatch_id? external_user_id? time:int timezone? @campaign to_phone_number? "
        "subscription_group_id? @canvas send_id? category? message_extras? app_group_id?"
    ),
    "users.messages.sms.ShortLinkClick": (
        "id user_id external_user_id? app_group_id? time:int timezone? @campaign @canvas url short_url user_agent? "
        "user_phone_number? is_suspected_bot_click:boolean? suspected_bot_click_reason:array<string>?"
    ),
    "users.messages.webhook.Abort": (
        "abort_log? abort_type? app_group_id? campaign_id? campaign_name? canvas_id? canvas_name? canvas_step_id? "
        "canvas_step_message_variation_id? canvas_step_name? canvas_variation_id? canvas_variation_name? device_id? "
        "dispatch_id? external_user_id? id message_variation_id? message_variation_name? send_id? time:int timezone? "
        "user_id"
    ),
    "users.messages.webhook.Failure": (
        "http_status_code:int? endpoint_url? app_group_id? campaign_id? canvas_id? canvas_step_id? "
        "canvas_step_message_variation_id? canvas_variation_id? content_length:int? dispatch_id? external_user_id? "
        "host? id message_variation_id? raw_response? retry_count:int? send_id? time:int url_path? user_id "
        "webhook_duration:int? webhook_failure_source? is_terminal:boolean? campaign_name? canvas_name? "
        "canvas_step_name? canvas_variation_name? message_variation_name?"
    ),
    "users.messages.webhook.Retry": (
        "app_group_id? external_user_id? id time:int user_id device_id? dispatch_id? send_id? @ids gender? country? "
        "timezone? language? retry_type? retry_log? @names"
    ),
    "users.messages.webhook.Send": (
        "id user_id external_user_id? time:int timezone? @campaign @canvas send_id? message_extras? app_group_id? dispatch_id?"
    ),
    "users.messages.whatsapp.Abort": (
        "id time:long to_phone_number? user_id external_user_id? device_id? timezone? app_group_id? "
        "subscription_group_id? @campaign @canvas canvas_step_message_variation_id? dispatch_id? abort_type? "
        "abort_log? bsuid?"
    ),
    "users.messages.whatsapp.Click": (
        "id user_id external_user_id? device_id? app_group_id? time:int timezone? @ids url short_url user_agent? user_phone_number? @names"
    ),
    "users.messages.whatsapp.Delivery": (
        "id time:long to_phone_number? user_id external_user_id? device_id? timezone? from_phone_number app_group_id? "
        "subscription_group_id? @campaign @canvas canvas_step_message_variation_id? dispatch_id? send_id? flow_id? "
        "template_name? message_id? bsuid?"
    ),
    "users.messages.whatsapp.Failure": (
        "id time:long to_phone_number? user_id external_user_id? device_id? timezone? from_phone_number app_group_id? "
        "subscription_group_id? @campaign @canvas canvas_step_message_variation_id? dispatch_id? provider_error_code "
        "provider_error_title send_id? message_id? template_name? flow_id? bsuid?"
    ),
    "users.messages.whatsapp.InboundReceive": (
        "id time:long user_phone_number? user_id? external_user_id? inbound_phone_number device_id? timezone? "
        "app_group_id? subscription_group_id? @campaign @canvas canvas_step_message_variation_id? message_body? "
        "quick_reply_text? media_urls:array<?string>? action catalog_id? product_id? flow_id? flow_response_json? "
        "message_id? in_reply_to? bsuid?"
    ),
    "users.messages.whatsapp.Read": (
        "id time:long to_phone_number? user_id external_user_id? device_id? timezone? from_phone_number app_group_id? "
        "subscription_group_id? @campaign @canvas canvas_step_message_variation_id? dispatch_id? send_id? "
        "template_name? message_id? flow_id? bsuid?"
    ),
    "users.messages.whatsapp.Retry": (
        "app_group_id? external_user_id? id time:int user_id to_phone_number? device_id? timezone? "
        "subscription_group_id? @ids dispatch_id? retry_type? retry_log? @names bsuid?"
    ),
    "users.messages.whatsapp.Send": (
        "id time:long to_phone_number? user_id external_user_id? device_id? timezone? from_phone_number app_group_id? "
        "subscription_group_id? @campaign canvas_id? canvas_name? canvas_variation_id? canvas_step_id? "
        "canvas_step_name? canvas_step_message_variation_id? dispatch_id? message_extras? send_id? flow_id? "
        "template_name? message_id? bsuid?"
    ),
}

EVENT_TYPES: tuple[str, ...] = tuple(_FIELDS)
NOT_INGESTED_EVENT_TYPES: tuple[str, ...] = ("users.canvas.exit.MatchedAudience", "users.messages.banner.Impression")


@dataclass(frozen=True)
class Field:
    name: str
    avro_type: str | dict
    optional: bool

    def schema(self) -> dict:
        if self.optional:
            return {"name": self.name, "type": ["null", self.avro_type], "default": None}
        return {"name": self.name, "type": self.avro_type}


def _parse_type(text: str) -> str | dict:
    if text.startswith("array<") and text.endswith(">"):
        items = text[len("array<") : -1]
        return {"type": "array", "items": ["null", items[1:]] if items.startswith("?") else items}
    return text


def _parse_field(token: str) -> Field:
    optional = token.endswith("?")
    name, _, avro_type = token.removesuffix("?").partition(":")
    return Field(name, _parse_type(avro_type or "string"), optional)


@cache
def fields(event_type: str) -> tuple[Field, ...]:
    """The writer schema fields of `event_type`, in file order."""
    if event_type not in _FIELDS:
        raise KeyError(f"no Currents schema for event type {event_type!r}; known: {', '.join(EVENT_TYPES)}")
    tokens = " ".join(_GROUPS.get(token, token) for token in _FIELDS[event_type].split()).split()
    return tuple(_parse_field(token) for token in tokens)


def avro_schema(event_type: str) -> dict:
    """The Avro record schema Currents writes for `event_type` (`dataexport.S3.inner.<event type>`)."""
    return {
        "type": "record",
        "name": SCHEMA_NAME_PREFIX + event_type,
        "fields": [field.schema() for field in fields(event_type)],
    }
