-- Canonical Currents events: one row per unique event, in the UTC day it happened.
-- Grain: event_id. Input: raw_currents_events, which already holds one row per event id
-- (Currents delivers at least once; ingestion drops copies, the first loaded copy wins).
-- A view: the day's events are never copied; readers filter on event_date.
{{ config(materialized='view', partition_by='event_date', unique_key=['event_id']) }}

select
    event_id,
    event_type,
    channel,
    action,
    occurred_at,
    event_date,
    user_id,
    external_user_id,
    campaign_id,
    campaign_name,
    message_variation_id,
    message_variation_name,
    canvas_id,
    canvas_name,
    canvas_variation_id,
    canvas_variation_name,
    canvas_step_id,
    canvas_step_name,
    dispatch_id,
    send_id,
    platform,
    email_domain,
    url,
    link_id,
    link_alias,
    button_id,
    button_string,
    bounce_reason,
    mailbox_provider,
    is_machine_open,
    is_bot_click,
    is_drop,
    error_code,
    error_message,
    abort_type,
    timezone
from {{ ref('raw_currents_events') }}
