-- The day's unique stats of every message component: distinct users per stat, from
-- int_user_touches__daily (one row per user, so counted with count(*)), plus influenced_opens from
-- int_push_influenced_opens__daily (one row per influenced user), counted per component_key and
-- named by int_message_components__keyed. Ephemeral: inlined into int_message_stats__daily, never
-- written; reads the run's window (:start_date to :end_date).
-- Grain: event_date, message_kind, message_id, variation_id, step_id, channel.
-- Inputs: int_user_touches__daily, int_push_influenced_opens__daily, int_message_components__keyed.
{{ config(materialized='ephemeral') }}

with touches as (

    select * from {{ ref('int_user_touches__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

influenced as (

    select * from {{ ref('int_push_influenced_opens__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

components as (

    select * from {{ ref('int_message_components__keyed') }}

),

users as (

    select event_date, component_key, stat from touches
    union all
    select event_date, component_key, 'influenced_opens' as stat from influenced

),

counted as (

    select
        event_date, component_key,
        {%- for stat in stats if stat.kind == 'unique' and stat.name != 'total_opens' %}
        cast(count(*) filter (where stat = '{{ stat.name }}') as bigint) as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from users
    group by event_date, component_key

),

final as (

    select
        counted.event_date,
        components.message_kind, components.message_id, components.variation_id, components.step_id, components.channel,
        {%- for stat in stats if stat.kind == 'unique' and stat.name != 'total_opens' %}
        counted.{{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from counted
    inner join components using (component_key)

)

select * from final
