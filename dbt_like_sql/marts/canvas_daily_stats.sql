-- Every stat per Canvas per channel per day (all variations and steps together; uniques are
-- distinct users of the Canvas that day). canvas_name: the latest seen that day, else the catalog's.
-- Grain: event_date, canvas_id, channel.
-- Inputs: int_message_stats__rated (rollup_level 'message'), int_messages__daily, message_catalog.
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'canvas_id', 'channel']) }}

with stats as (

    select * from {{ ref('int_message_stats__rated') }}
    where event_date >= :start_date and event_date < :end_date
        and rollup_level = 'message' and message_kind = 'canvas'

),

day_names as (

    select distinct event_date, message_id, message_name
    from {{ ref('int_messages__daily') }}
    where event_date >= :start_date and event_date < :end_date
        and message_kind = 'canvas'

),

catalog as (

    select * from {{ ref('message_catalog') }}
    where message_kind = 'canvas'

),

final as (

    select
        stats.event_date,
        stats.message_id as canvas_id,
        coalesce(day_names.message_name, catalog.message_name) as canvas_name,
        stats.channel,
        {{ stat_columns('stats') }}
    from stats
    left join day_names on day_names.event_date = stats.event_date and day_names.message_id = stats.message_id
    left join catalog on catalog.message_id = stats.message_id

)

select * from final
