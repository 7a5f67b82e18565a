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
-- One pass over the events, grouped with their names (a handful of name combinations per
-- component), then each level's latest named row among those groups: a struct compares field by
-- field and a maximum of group maxima is the maximum, so this equals the windows below.
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
        max({'at': occurred_at, 'id': event_id}) as latest,
        count(*) as events,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from events
    group by event_date, message_kind, message_id, variation_id, step_id, channel, message_name, variation_name, step_name

),

picked as (

    select
        *,
        max({'named': coalesce(message_name, '') <> '', 'at': latest.at, 'id': latest.id, 'name': message_name})
            over (partition by event_date, message_kind, message_id) as message_pick,
        max({'named': coalesce(variation_name, '') <> '', 'at': latest.at, 'id': latest.id, 'name': variation_name})
            over (partition by event_date, message_kind, message_id, variation_id) as variation_pick,
        max({'named': coalesce(step_name, '') <> '', 'at': latest.at, 'id': latest.id, 'name': step_name})
            over (partition by event_date, message_kind, message_id, variation_id, step_id) as step_pick
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
        nullif(max(message_pick.name), '') as message_name,
        nullif(max(variation_pick.name), '') as variation_name,
        nullif(max(step_pick.name), '') as step_name,
        cast(sum(events) as bigint) as events,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from picked
    group by event_date, message_kind, message_id, variation_id, step_id, channel

)
{% else %}
-- PostgreSQL has no struct maximum: the group's latest event is the maximum of a key that sorts
-- by time, then event id (binary), as text; then the same picks over the groups.
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
        max(to_char(occurred_at, 'YYYYMMDDHH24MISSUS') || event_id collate "C") as latest,
        count(*) as events,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from events
    group by event_date, message_kind, message_id, variation_id, step_id, channel, message_name, variation_name, step_name

),

picked as (

    select
        *,
        first_value(message_name) over (
            partition by event_date, message_kind, message_id
            order by case when coalesce(message_name, '') = '' then 1 else 0 end, latest collate "C" desc
        ) as latest_message_name,
        first_value(variation_name) over (
            partition by event_date, message_kind, message_id, variation_id
            order by case when coalesce(variation_name, '') = '' then 1 else 0 end, latest collate "C" desc
        ) as latest_variation_name,
        first_value(step_name) over (
            partition by event_date, message_kind, message_id, variation_id, step_id
            order by case when coalesce(step_name, '') = '' then 1 else 0 end, latest collate "C" desc
        ) as latest_step_name
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
{% endif %}

select * from final
