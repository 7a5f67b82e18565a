-- Every stat of every message component per UTC day. Grain: event_date, message_kind, message_id,
-- variation_id, step_id, channel. Inputs: int_message_stats__quarter_hourly (the counts, summed
-- over the day's quarter-hours), int_user_touches__daily (the day's uniques: one row per user, so
-- counted with count(*)), int_push_influenced_opens__daily. A stat that does not apply to the
-- channel is 0. Coarser grains sum the counts and recount uniques from int_user_touches__daily
-- (int_message_stats__rollups). Columns follow the contract order (lib/stat_catalog.py).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with quarters as (

    select * from {{ ref('int_message_stats__quarter_hourly') }}
    where event_date >= :start_date and event_date < :end_date

),

touches as (

    select * from {{ ref('int_user_touches__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

influenced as (

    select * from {{ ref('int_push_influenced_opens__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

counts as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel,
        {%- for stat in counted_stats() %}
        cast(sum({{ stat }}) as bigint) as {{ stat }}{{ "," if not loop.last }}
        {%- endfor %}
    from quarters
    group by event_date, message_kind, message_id, variation_id, step_id, channel

),

uniques as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel,
        cast(count(*) filter (where stat = 'unique_opens') as bigint) as unique_opens,
        cast(count(*) filter (where stat = 'unique_clicks') as bigint) as unique_clicks,
        cast(count(*) filter (where stat = 'unique_impressions') as bigint) as unique_impressions,
        cast(count(*) filter (where stat = 'unique_recipients') as bigint) as unique_recipients,
        cast(count(*) filter (where stat = 'unique_conversions') as bigint) as unique_conversions
    from touches
    group by event_date, message_kind, message_id, variation_id, step_id, channel

),

influenced_users as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel,
        cast(count(*) as bigint) as influenced_opens
    from influenced
    group by event_date, message_kind, message_id, variation_id, step_id, channel

),

-- An influenced open can be a component's only row of the day (its Send was the day before).
components as (

    select event_date, message_kind, message_id, variation_id, step_id, channel from counts
    union
    select event_date, message_kind, message_id, variation_id, step_id, channel from influenced_users

),

final as (

    select
        components.event_date,
        components.message_kind,
        components.message_id,
        components.variation_id,
        components.step_id,
        components.channel,
        {%- for stat in stat_names() %}
        {% if stat == 'total_opens' -%}
        cast(coalesce(counts.direct_opens, 0) + coalesce(influenced_users.influenced_opens, 0) as bigint)
        {%- elif stat == 'influenced_opens' -%}
        coalesce(influenced_users.influenced_opens, 0)
        {%- elif stat.startswith('unique_') -%}
        coalesce(uniques.{{ stat }}, 0)
        {%- else -%}
        coalesce(counts.{{ stat }}, 0)
        {%- endif %} as {{ stat }}{{ "," if not loop.last }}
        {%- endfor %}
    from components
    left join counts
        on counts.event_date = components.event_date and counts.message_kind = components.message_kind
        and counts.message_id = components.message_id and counts.variation_id = components.variation_id
        and counts.step_id = components.step_id and counts.channel = components.channel
    left join uniques
        on uniques.event_date = components.event_date and uniques.message_kind = components.message_kind
        and uniques.message_id = components.message_id and uniques.variation_id = components.variation_id
        and uniques.step_id = components.step_id and uniques.channel = components.channel
    left join influenced_users
        on influenced_users.event_date = components.event_date
        and influenced_users.message_kind = components.message_kind
        and influenced_users.message_id = components.message_id
        and influenced_users.variation_id = components.variation_id
        and influenced_users.step_id = components.step_id and influenced_users.channel = components.channel

)

select * from final
