-- Every counted stat of every message component per quarter-hour of the UTC day: the one place
-- where counts are defined (docs: ../shared/notes/metrics.md). Every IANA offset in use is a
-- multiple of 15 minutes, so any local day, week or month is an exact union of these rows.
-- Grain: event_date, quarter_hour (0..95: 00:00-00:14 UTC is 0), message_kind, message_id,
-- variation_id, step_id, channel. Input: int_events__attributed (ids are unique from ingestion on).
-- Unique stats are not here: they are recounted from int_user_touches__daily.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'quarter_hour', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select
        *,
        {{ quarter_hour('occurred_at') }} as quarter_hour
    from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

),

final as (

    select
        event_date,
        quarter_hour,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        cast(count(*) filter (where action = 'send') as bigint) as sent,
        cast(count(*) filter (where action = 'delivery') as bigint) as delivered,
        cast(count(*) filter (where action = 'bounce') as bigint) as bounces,
        cast(count(*) filter (where action = 'soft_bounce') as bigint) as soft_bounces,
        cast(count(*) filter (where channel = 'email' and action = 'open') as bigint) as opens,
        cast(count(*) filter (where channel = 'email' and action = 'open' and is_machine_open) as bigint) as machine_opens,
        cast(count(*) filter (
            where (action = 'click' and (channel <> 'email' or not coalesce(is_bot_click, false) or :count_bot_clicks))
                or action = 'short_link_click'
        ) as bigint) as clicks,
        cast(count(*) filter (where action = 'unsubscribe') as bigint) as unsubscribes,
        cast(count(*) filter (where action = 'mark_as_spam') as bigint) as reported_spam,
        cast(count(*) filter (where channel in ('push', 'web_push') and action = 'open') as bigint) as direct_opens,
        cast(count(*) filter (where channel in ('push', 'web_push') and action = 'open'
            and coalesce(button_string, '') = '') as bigint) as body_clicks,
        cast(count(*) filter (where action = 'impression') as bigint) as impressions,
        cast(count(*) filter (where channel = 'in_app_message' and action = 'click' and button_id = '0')
            as bigint) as first_button_clicks,
        cast(count(*) filter (where channel = 'in_app_message' and action = 'click' and button_id = '1')
            as bigint) as second_button_clicks,
        cast(count(*) filter (where action = 'dismiss') as bigint) as dismissals,
        cast(count(*) filter (where channel = 'webhook' and action = 'failure') as bigint) as errors,
        cast(count(*) filter (where action = 'carrier_send') as bigint) as sent_to_carrier,
        cast(count(*) filter (where action = 'rejection') as bigint) as rejected,
        cast(count(*) filter (where action = 'delivery_failure') as bigint) as delivery_failed,
        cast(count(*) filter (where action = 'read') as bigint) as read,
        cast(count(*) filter (where channel = 'whatsapp' and action = 'failure') as bigint) as failed,
        cast(count(*) filter (where action = 'conversion') as bigint) as conversions,
        cast(count(*) filter (where action = 'enroll_in_control') as bigint) as enrolled_in_control,
        cast(count(*) filter (where action = 'entry') as bigint) as entries,
        cast(count(*) filter (where action = 'abort') as bigint) as aborts,
        cast(count(*) filter (where action in ('retry', 'deferral')) as bigint) as retries
    from events
    group by event_date, quarter_hour, message_kind, message_id, variation_id, step_id, channel

)

select * from final
