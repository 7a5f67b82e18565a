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

-- One pass over the events, grouped with their names (a handful of name combinations per
-- component), then each level's latest named row among those groups: the latest of the groups'
-- latest events is the latest event (macros/latest_names.sql).
named_groups as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        message_name,
        variation_name,
        step_name,
        {{ latest_event_key('occurred_at', 'event_id') }} as latest,
        count(*) as events,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from events
    group by event_date, message_kind, message_id, variation_id, step_id, channel, message_name, variation_name, step_name

),

picked as (

    select
        *,
        {{ latest_name('message_name', 'latest', 'event_date, message_kind, message_id') }} as latest_message_name,
        {{ latest_name('variation_name', 'latest', 'event_date, message_kind, message_id, variation_id') }}
            as latest_variation_name,
        {{ latest_name('step_name', 'latest', 'event_date, message_kind, message_id, variation_id, step_id') }}
            as latest_step_name
    from named_groups

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
        cast(sum(events) as bigint) as events,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from picked
    group by event_date, message_kind, message_id, variation_id, step_id, channel

)

select * from final
