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
        stats.sent, stats.delivered, stats.bounces, stats.soft_bounces, stats.opens,
        stats.unique_opens, stats.machine_opens, stats.clicks, stats.unique_clicks,
        stats.unsubscribes, stats.reported_spam, stats.direct_opens, stats.body_clicks,
        stats.influenced_opens, stats.total_opens, stats.impressions, stats.unique_impressions,
        stats.first_button_clicks, stats.second_button_clicks, stats.dismissals, stats.errors,
        stats.sent_to_carrier, stats.rejected, stats.delivery_failed, stats.read, stats.failed,
        stats.unique_recipients, stats.conversions, stats.unique_conversions,
        stats.enrolled_in_control, stats.entries, stats.aborts, stats.retries,
        stats.delivery_rate, stats.bounce_rate, stats.open_rate, stats.unique_open_rate,
        stats.click_rate, stats.unique_click_rate, stats.click_to_open_rate,
        stats.unsubscribe_rate, stats.spam_rate, stats.direct_open_rate, stats.error_rate
    from stats

)

select * from final
