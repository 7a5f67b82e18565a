-- Every stat per campaign per channel per day (all variations together; uniques are distinct
-- users of the campaign that day). campaign_name: the latest seen that day, else the catalog's.
-- Grain: event_date, campaign_id, channel.
-- Input: int_message_stats__keyed (rollup_level 'message': the key, names, stats and rates).
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'campaign_id', 'channel']) }}

select event_date, campaign_id, message_name as campaign_name, channel, {{ stat_columns('stats') }}
from {{ ref('int_message_stats__keyed') }} as stats
where event_date >= :start_date and event_date < :end_date and rollup_level = 'message' and message_kind = 'campaign'
