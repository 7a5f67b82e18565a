-- The messages seen each day, with their latest names: the catalog's source, so the catalog
-- never rescans events. Grain: event_date, message_kind, message_id, variation_id, step_id,
-- channel. Input: int_events__attributed. message_name is the day's latest non-empty name of
-- the message (the same on all its rows that day), variation_name of the variation, step_name
-- of the step (latest event time, then highest event id, binary order).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

),

named as (

    select
        events.*,
        first_value(message_name) over (
            partition by event_date, message_kind, message_id
            order by case when coalesce(message_name, '') = '' then 1 else 0 end, occurred_at desc, event_id collate "C" desc
        ) as latest_message_name,
        first_value(variation_name) over (
            partition by event_date, message_kind, message_id, variation_id
            order by case when coalesce(variation_name, '') = '' then 1 else 0 end, occurred_at desc, event_id collate "C" desc
        ) as latest_variation_name,
        first_value(step_name) over (
            partition by event_date, message_kind, message_id, variation_id, step_id
            order by case when coalesce(step_name, '') = '' then 1 else 0 end, occurred_at desc, event_id collate "C" desc
        ) as latest_step_name
    from events

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        nullif(max(latest_message_name), '') as message_name,
        nullif(max(latest_variation_name), '') as variation_name,
        nullif(max(latest_step_name), '') as step_name,
        cast(count(*) as bigint) as events,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from named
    group by event_date, message_kind, message_id, variation_id, step_id, channel

)

select * from final
