-- Every stat per campaign variation per channel per day. Names: the latest seen that day, else
-- the latest ever seen (message_components).
-- Grain: event_date, campaign_id, message_variation_id, channel.
-- Input: int_message_stats__keyed (rollup_level 'component': the key, names, stats and rates).
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'campaign_id', 'message_variation_id', 'channel']) }}

select
    event_date, campaign_id, message_name as campaign_name, message_variation_id, variation_name as message_variation_name,
    channel, {{ stat_columns('stats') }}
from {{ ref('int_message_stats__keyed') }} as stats
where event_date >= :start_date and event_date < :end_date and rollup_level = 'component' and message_kind = 'campaign'
