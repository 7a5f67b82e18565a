-- Every message event with its message key and channel. Grain: event_id. Partitioned by
-- event_date. Inputs: int_events__keyed (the key), int_message_channel_fills__daily (the channel
-- of channel-less events; 'unknown' when the message was never seen on a channel).
-- A view: the day's events are never copied; readers filter on event_date; its rows are not
-- counted when it is materialized (that would compute it).
{{ config(materialized='view', partition_by='event_date', unique_key=['event_id'], grain_follows_from=['int_events__keyed', 'int_message_channel_fills__daily'], row_count=false) }}

-- Events with a channel pass through; only the channel-less ones (a few percent) are joined to
-- their fill: a join over every event would cost more than the scan.
select
    event_id,
    event_date,
    occurred_at,
    event_type,
    action,
    user_id,
    message_kind,
    message_id,
    variation_id,
    step_id,
    channel,
    message_name,
    variation_name,
    step_name,
    platform,
    button_id,
    button_string,
    is_machine_open,
    is_bot_click
from {{ ref('int_events__keyed') }}
where channel is not null

union all

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
    coalesce(fills.channel, 'unknown') as channel,
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
where keyed.channel is null
