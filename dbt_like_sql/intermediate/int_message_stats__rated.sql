-- The rollups with every stat in the marts' column order, then the rates (double precision,
-- NULL when the denominator is 0 or the rate does not apply to the channel). Denominators:
-- delivery_rate delivered/sent (email, sms, whatsapp); bounce_rate bounces/sent (email, push,
-- web_push); open_rate, unique_open_rate opens, unique_opens/delivered (email); click_rate
-- clicks/delivered (email, sms, whatsapp) or clicks/impressions (in_app_message, content_card);
-- unique_click_rate unique_clicks/delivered (email) or unique_clicks/unique_impressions (in-app,
-- content card); click_to_open_rate unique_clicks/unique_opens, unsubscribe_rate
-- unsubscribes/delivered, spam_rate reported_spam/sent (email); direct_open_rate
-- direct_opens/(sent - bounces) (push, web_push); error_rate errors/sent (webhook);
-- conversion_rate unique_conversions/enrolled_in_control (control group rows, campaigns).
-- Grain: event_date, rollup_level, message_kind, message_id, variation_id, step_id, channel.
-- Input: int_message_stats__rollups.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'rollup_level', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with rollups as (

    select * from {{ ref('int_message_stats__rollups') }}
    where event_date >= :start_date and event_date < :end_date

),

final as (

    select
        rollup_level, event_date, message_kind, message_id, variation_id, step_id, channel,
        sent, delivered, bounces, soft_bounces, opens, unique_opens, machine_opens, clicks, unique_clicks,
        unsubscribes, reported_spam, direct_opens, body_clicks, influenced_opens, total_opens,
        impressions, unique_impressions, first_button_clicks, second_button_clicks, dismissals, errors,
        sent_to_carrier, rejected, delivery_failed, read, failed, unique_recipients,
        conversions, unique_conversions, enrolled_in_control, entries, aborts, retries,
        case when channel in ('email', 'sms', 'whatsapp')
            then cast(delivered as double precision) / nullif(sent, 0) end as delivery_rate,
        case when channel in ('email', 'push', 'web_push')
            then cast(bounces as double precision) / nullif(sent, 0) end as bounce_rate,
        case when channel = 'email' then cast(opens as double precision) / nullif(delivered, 0) end as open_rate,
        case when channel = 'email' then cast(unique_opens as double precision) / nullif(delivered, 0) end as unique_open_rate,
        case
            when channel in ('email', 'sms', 'whatsapp') then cast(clicks as double precision) / nullif(delivered, 0)
            when channel in ('in_app_message', 'content_card') then cast(clicks as double precision) / nullif(impressions, 0)
        end as click_rate,
        case
            when channel = 'email' then cast(unique_clicks as double precision) / nullif(delivered, 0)
            when channel in ('in_app_message', 'content_card')
                then cast(unique_clicks as double precision) / nullif(unique_impressions, 0)
        end as unique_click_rate,
        case when channel = 'email'
            then cast(unique_clicks as double precision) / nullif(unique_opens, 0) end as click_to_open_rate,
        case when channel = 'email'
            then cast(unsubscribes as double precision) / nullif(delivered, 0) end as unsubscribe_rate,
        case when channel = 'email' then cast(reported_spam as double precision) / nullif(sent, 0) end as spam_rate,
        case when channel in ('push', 'web_push')
            then cast(direct_opens as double precision) / nullif(sent - bounces, 0) end as direct_open_rate,
        case when channel = 'webhook' then cast(errors as double precision) / nullif(sent, 0) end as error_rate,
        case when channel = 'control' and message_kind = 'campaign'
            then cast(unique_conversions as double precision) / nullif(enrolled_in_control, 0) end as conversion_rate
    from rollups

)

select * from final
