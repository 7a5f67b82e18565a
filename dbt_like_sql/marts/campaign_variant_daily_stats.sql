-- Every stat per campaign variation per channel per day. Names: the latest seen that day, else
-- the latest ever seen (message_components).
-- Grain: event_date, campaign_id, message_variation_id, channel.
-- Inputs: int_message_stats__rated (rollup_level 'component'), int_messages__daily, message_components.
-- Columns: the grain and names, then the stats in the contract order, then the rates
-- (definitions and rate denominators: int_message_stats__daily, int_message_stats__rated).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'campaign_id', 'message_variation_id', 'channel']) }}

with stats as (

    select * from {{ ref('int_message_stats__rated') }}
    where event_date >= :start_date and event_date < :end_date
        and rollup_level = 'component' and message_kind = 'campaign'

),

day_names as (

    select distinct event_date, message_id, variation_id, message_name, variation_name
    from {{ ref('int_messages__daily') }}
    where event_date >= :start_date and event_date < :end_date
        and message_kind = 'campaign'

),

components as (

    select * from {{ ref('message_components') }}
    where message_kind = 'campaign'

),

final as (

    select
        stats.event_date,
        stats.message_id as campaign_id,
        coalesce(day_names.message_name, components.message_name) as campaign_name,
        stats.variation_id as message_variation_id,
        coalesce(day_names.variation_name, components.variation_name) as message_variation_name,
        stats.channel,
        {{ stat_columns('stats') }}
    from stats
    left join day_names
        on day_names.event_date = stats.event_date
        and day_names.message_id = stats.message_id
        and day_names.variation_id = stats.variation_id
    left join components
        on components.message_id = stats.message_id
        and components.variation_id = stats.variation_id
        and components.step_id = stats.step_id
        and components.channel = stats.channel

)

select * from final
