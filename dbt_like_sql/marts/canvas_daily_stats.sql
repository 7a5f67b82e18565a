-- Every stat per Canvas per channel per day (all variations and steps together; uniques are
-- distinct users of the Canvas that day). canvas_name: the latest seen that day, else the catalog's.
-- Grain: event_date, canvas_id, channel.
-- Input: int_message_stats__keyed (rollup_level 'message': the key, names, stats and rates).
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'canvas_id', 'channel']) }}

select event_date, canvas_id, message_name as canvas_name, channel, {{ stat_columns('stats') }}
from {{ ref('int_message_stats__keyed') }} as stats
where event_date >= :start_date and event_date < :end_date and rollup_level = 'message' and message_kind = 'canvas'
