-- Every stat of every message component per day: the one place where stats are defined
-- (docs: ../shared/notes/metrics.md). Grain: event_date, message_kind, message_id, variation_id,
-- step_id, channel. Inputs: int_events__attributed (counts of events; ids are unique from ingestion on),
-- int_user_touches__daily (the day's uniques: one row per user, so counted with count(*)),
-- int_push_influenced_opens__daily.
-- A stat that does not apply to the channel is 0. Coarser grains sum the counts and recount
-- uniques from int_user_touches__daily (int_message_stats__rollups).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

),

touches as (

    select * from {{ ref('int_user_touches__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

influenced as (

    select * from {{ ref('int_push_influenced_opens__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

activity as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel, action, user_id,
        is_machine_open, is_bot_click, button_id, button_string, cast(null as varchar) as stat
    from events
    union all
    select
        event_date, message_kind, message_id, variation_id, step_id, channel, 'influenced_open', user_id,
        false, false, cast(null as varchar), cast(null as varchar), cast(null as varchar)
    from influenced
    union all
    select
        event_date, message_kind, message_id, variation_id, step_id, channel, 'touch', user_id,
        false, false, cast(null as varchar), cast(null as varchar), stat
    from touches

),

final as (

    select
        event_date,
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
        cast(count(*) filter (where stat = 'unique_opens') as bigint) as unique_opens,
        cast(count(*) filter (where channel = 'email' and action = 'open' and is_machine_open) as bigint) as machine_opens,
        cast(count(*) filter (
            where (action = 'click' and (channel <> 'email' or not coalesce(is_bot_click, false) or :count_bot_clicks))
                or action = 'short_link_click'
        ) as bigint) as clicks,
        cast(count(*) filter (where stat = 'unique_clicks') as bigint) as unique_clicks,
        cast(count(*) filter (where action = 'unsubscribe') as bigint) as unsubscribes,
        cast(count(*) filter (where action = 'mark_as_spam') as bigint) as reported_spam,
        cast(count(*) filter (where channel in ('push', 'web_push') and action = 'open') as bigint) as direct_opens,
        cast(count(*) filter (where channel in ('push', 'web_push') and action = 'open'
            and coalesce(button_string, '') = '') as bigint) as body_clicks,
        cast(count(*) filter (where action = 'influenced_open') as bigint) as influenced_opens,
        cast(count(*) filter (where channel in ('push', 'web_push') and action = 'open')
            + count(*) filter (where action = 'influenced_open') as bigint) as total_opens,
        cast(count(*) filter (where action = 'impression') as bigint) as impressions,
        cast(count(*) filter (where stat = 'unique_impressions') as bigint) as unique_impressions,
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
        cast(count(*) filter (where stat = 'unique_recipients') as bigint) as unique_recipients,
        cast(count(*) filter (where action = 'conversion') as bigint) as conversions,
        cast(count(*) filter (where stat = 'unique_conversions') as bigint) as unique_conversions,
        cast(count(*) filter (where action = 'enroll_in_control') as bigint) as enrolled_in_control,
        cast(count(*) filter (where action = 'entry') as bigint) as entries,
        cast(count(*) filter (where action = 'abort') as bigint) as aborts,
        cast(count(*) filter (where action in ('retry', 'deferral')) as bigint) as retries
    from activity
    group by event_date, message_kind, message_id, variation_id, step_id, channel

)

select * from final
