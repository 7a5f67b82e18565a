-- The live 5-minute buckets of one UTC day summed to quarter-hours (macros/quarter_hours.sql, as the
-- models cut them) beside int_message_stats__quarter_hourly, for the quarters from :first_quarter on
-- (the live view keeps 48 hours); one row per quarter, component and channel where any live stat
-- differs (a side without a row counts 0), in quarter then key order.
-- Grain: quarter_hour, message_kind, message_id, variation_id, step_id, channel.
with live as (

    select
        {{ quarter_hour('bucket_at') }} as quarter_hour,
        message_kind, message_id, variation_id, step_id, channel,
        {%- for stat in live_stats %}
        sum({{ stat }}) as {{ stat }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('live_buckets') }}
    where event_date = :day
    group by 1, message_kind, message_id, variation_id, step_id, channel

),

rollup as (

    select quarter_hour, message_kind, message_id, variation_id, step_id, channel, {{ live_stats | join(', ') }}
    from {{ ref('int_message_stats__quarter_hourly') }}
    where event_date = :day

),

compared as (

    select
        coalesce(live.quarter_hour, rollup.quarter_hour) as quarter_hour,
        coalesce(live.message_kind, rollup.message_kind) as message_kind,
        coalesce(live.message_id, rollup.message_id) as message_id,
        coalesce(live.variation_id, rollup.variation_id) as variation_id,
        coalesce(live.step_id, rollup.step_id) as step_id,
        coalesce(live.channel, rollup.channel) as channel,
        {%- for stat in live_stats %}
        coalesce(live.{{ stat }}, 0) as live_{{ stat }},
        coalesce(rollup.{{ stat }}, 0) as rollup_{{ stat }}{{ "," if not loop.last }}
        {%- endfor %}
    from live
    full outer join rollup
        on live.quarter_hour = rollup.quarter_hour
        and live.message_kind = rollup.message_kind
        and live.message_id = rollup.message_id
        and live.variation_id = rollup.variation_id
        and live.step_id = rollup.step_id
        and live.channel = rollup.channel

)

select * from compared
where quarter_hour >= :first_quarter
    and ({% for stat in live_stats %}live_{{ stat }} <> rollup_{{ stat }}{{ " or " if not loop.last }}{% endfor %})
order by quarter_hour, message_kind, message_id, variation_id, step_id, channel
