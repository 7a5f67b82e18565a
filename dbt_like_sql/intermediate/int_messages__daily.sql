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

{% if dialect == 'duckdb' %}
-- One pass: each component's latest named event per level (a struct compares field by field),
-- then the level's latest over its components (max is associative). Same result as the windows.
components as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        max({'named': coalesce(message_name, '') <> '', 'at': occurred_at, 'id': event_id, 'name': message_name}) as message_pick,
        max({'named': coalesce(variation_name, '') <> '', 'at': occurred_at, 'id': event_id, 'name': variation_name}) as variation_pick,
        max({'named': coalesce(step_name, '') <> '', 'at': occurred_at, 'id': event_id, 'name': step_name}) as step_pick,
        cast(count(*) as bigint) as events,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from events
    group by event_date, message_kind, message_id, variation_id, step_id, channel

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        nullif(max(message_pick) over (partition by event_date, message_kind, message_id).name, '') as message_name,
        nullif(max(variation_pick) over (partition by event_date, message_kind, message_id, variation_id).name, '') as variation_name,
        nullif(max(step_pick) over (partition by event_date, message_kind, message_id, variation_id, step_id).name, '') as step_name,
        events,
        first_seen_at,
        last_seen_at
    from components

)
{% else %}
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
{% endif %}

select * from final
