-- Every message event with its message key and channel. Grain: event_id. Partitioned by
-- event_date. Inputs: int_events__keyed (the key), int_message_channel_fills__daily (the channel
-- of channel-less events; 'unknown' when the message was never seen on a channel).
-- A view: the day's events are never copied; readers filter on event_date.
{{ config(materialized='view', partition_by='event_date', unique_key=['event_id'], grain_follows_from=['int_events__keyed', 'int_message_channel_fills__daily']) }}

select
    keyed.event_id,
    keyed.event_date,
    keyed.occurred_at,
    keyed.event_type,
    keyed.action,
    keyed.user_id,
    keyed.message_kind,
    keyed.message_id,
    keyed.variation_id,
    keyed.step_id,
    coalesce(keyed.channel, fills.channel, 'unknown') as channel,
    keyed.message_name,
    keyed.variation_name,
    keyed.step_name,
    keyed.platform,
    keyed.button_id,
    keyed.button_string,
    keyed.is_machine_open,
    keyed.is_bot_click
from {{ ref('int_events__keyed') }} as keyed
left join {{ ref('int_message_channel_fills__daily') }} as fills
    on fills.event_date = keyed.event_date
    and fills.message_kind = keyed.message_kind
    and fills.message_id = keyed.message_id
    and fills.variation_id = keyed.variation_id
    and fills.step_id = keyed.step_id
    and keyed.channel is null
