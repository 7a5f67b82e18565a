-- Every campaign and Canvas seen in events: its latest name, channels, first and last event day
-- (UTC) and first event instant. Ephemeral: inlined into message_catalog, never written.
-- Grain: message_kind, message_id. Input: int_messages__daily (never rescans events).
-- message_name: the latest non-NULL name seen. channels: comma-joined, sorted (binary order),
-- NULL when only 'unknown' (events whose message was never seen on a channel) or 'control' (a
-- campaign's control group, which is sent nothing).
{{ config(materialized='ephemeral') }}

with daily as (

    select * from {{ ref('int_messages__daily') }}

),

latest_names as (

    select distinct
        message_kind,
        message_id,
        first_value(message_name) over (
            partition by message_kind, message_id
            order by case when message_name is null then 1 else 0 end, event_date desc
        ) as message_name
    from daily

),

channels as (

    select distinct message_kind, message_id, channel from daily where channel not in ('unknown', 'control')

),

channel_lists as (

    select message_kind, message_id, string_agg(channel, ',' order by channel collate "C") as channels
    from channels
    group by message_kind, message_id

),

seen as (

    select
        message_kind, message_id, min(event_date) as first_event_date, max(event_date) as last_event_date,
        min(first_seen_at) as first_event_at
    from daily
    group by message_kind, message_id

),

final as (

    select
        seen.message_kind,
        seen.message_id,
        latest_names.message_name,
        channel_lists.channels,
        seen.first_event_date,
        seen.last_event_date,
        seen.first_event_at
    from seen
    left join latest_names using (message_kind, message_id)
    left join channel_lists using (message_kind, message_id)

)

select * from final
