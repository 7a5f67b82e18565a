-- The stats of int_message_stats__daily rolled up to the levels the marts report, per day:
-- rollup_level 'channel' (event_date, channel), 'message' (+ message_kind, message_id) and
-- 'component' (+ variation_id, step_id); keys a level does not have are ''. Counts are summed;
-- uniques are recounted as distinct users from int_user_touches__daily (never summed; a component's
-- are int_message_stats__daily's own).
-- Grain: event_date, rollup_level, message_kind, message_id, variation_id, step_id, channel.
-- Inputs: int_message_stats__daily, int_user_touches__daily (named by int_message_components__keyed).
-- Rates: int_message_stats__rated.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'rollup_level', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with stats as (

    select * from {{ ref('int_message_stats__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

touches as (

    select touched.event_date, touched.stat, touched.user_id, components.message_kind, components.message_id, components.channel
    from {{ ref('int_user_touches__daily') }} as touched
    inner join {{ ref('int_message_components__keyed') }} as components using (component_key)
    where touched.event_date >= :start_date and touched.event_date < :end_date

),

summed as (

    select
        case
            when grouping(message_kind) = 1 then 'channel'
            when grouping(variation_id) = 1 then 'message'
            else 'component'
        end as rollup_level,
        event_date, coalesce(message_kind, '') as message_kind, coalesce(message_id, '') as message_id,
        coalesce(variation_id, '') as variation_id, coalesce(step_id, '') as step_id, channel,
        {%- for stat in stats if stat.kind != 'rate' and not stat.name.startswith('unique_') %}
        cast(sum({{ stat.name }}) as bigint) as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from stats
    group by grouping sets (
        (event_date, channel),
        (event_date, message_kind, message_id, channel),
        (event_date, message_kind, message_id, variation_id, step_id, channel)
    )

),

uniques as (

    -- Channel and message levels recount distinct users; a component's are int_message_stats__daily's.
    select
        case when grouping(message_kind) = 1 then 'channel' else 'message' end as rollup_level,
        event_date, coalesce(message_kind, '') as message_kind, coalesce(message_id, '') as message_id,
        '' as variation_id, '' as step_id, channel,
        {%- for stat in stats if stat.kind == 'unique' and stat.name.startswith('unique_') %}
        cast(count(distinct user_id) filter (where stat = '{{ stat.name }}') as bigint) as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from touches
    group by grouping sets ((event_date, channel), (event_date, message_kind, message_id, channel))

    union all

    select
        'component', event_date, message_kind, message_id, variation_id, step_id, channel,
        unique_opens, unique_clicks, unique_impressions, unique_recipients, unique_conversions
    from stats

),

final as (

    select
        summed.*,
        {%- for stat in stats if stat.kind == 'unique' and stat.name.startswith('unique_') %}
        coalesce(uniques.{{ stat.name }}, 0) as {{ stat.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from summed
    left join uniques using (rollup_level, event_date, message_kind, message_id, variation_id, step_id, channel)

)

select * from final
