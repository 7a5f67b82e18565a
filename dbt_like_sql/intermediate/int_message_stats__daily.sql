-- Every stat of every message component per UTC day. Grain: event_date, message_kind, message_id,
-- variation_id, step_id, channel. Inputs: int_message_stats__quarter_hourly (the counts, summed
-- over the day's quarter-hours), int_message_uniques__counted (ephemeral: the day's uniques from
-- int_user_touches__daily and int_push_influenced_opens__daily). A stat that does not apply to the
-- channel is 0. Coarser grains sum the counts and recount uniques from int_user_touches__daily
-- (int_message_stats__rollups). Columns follow the contract order.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with quarters as (

    select * from {{ ref('int_message_stats__quarter_hourly') }}
    where event_date >= :start_date and event_date < :end_date

),

uniques as (

    select * from {{ ref('int_message_uniques__counted') }}

),

counts as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel,
        {%- for stat in stats if stat.kind == 'additive' %}
        cast(sum({{ stat.name }}) as bigint) as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from quarters
    group by event_date, message_kind, message_id, variation_id, step_id, channel

),

-- An influenced open can be a component's only row of the day (its Send was the day before).
components as (

    select event_date, message_kind, message_id, variation_id, step_id, channel from counts
    union
    select event_date, message_kind, message_id, variation_id, step_id, channel from uniques where influenced_opens > 0

),

final as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel,
        {%- for stat in stats if stat.kind != 'rate' %}
        {% if stat.name == 'total_opens' -%}
        cast(coalesce(counts.direct_opens, 0) + coalesce(uniques.influenced_opens, 0) as bigint)
        {%- elif stat.kind == 'unique' -%}
        coalesce(uniques.{{ stat.name }}, 0)
        {%- else -%}
        coalesce(counts.{{ stat.name }}, 0)
        {%- endif %} as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from components
    left join counts using (event_date, message_kind, message_id, variation_id, step_id, channel)
    left join uniques using (event_date, message_kind, message_id, variation_id, step_id, channel)

)

select * from final
