-- Every stat per channel per day, campaigns and Canvases together.
-- Grain: event_date, channel. Input: int_message_stats__rated (rollup_level 'channel').
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'channel']) }}

with stats as (

    select * from {{ ref('int_message_stats__rated') }}
    where event_date >= :start_date and event_date < :end_date
        and rollup_level = 'channel'

),

final as (

    select
        stats.event_date,
        stats.channel,
        {{ stat_columns('stats') }}
    from stats

)

select * from final
