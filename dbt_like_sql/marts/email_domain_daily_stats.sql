-- Email stats by recipient domain (Adobe "errors by domain", AJO "best recipient domain").
-- Grain: event_date, message_kind, message_id, variation_id, step_id, email_domain.
-- Input: stg_currents__events (email events). Uniques count distinct users within the day;
-- suspected bot clicks are left out unless :count_bot_clicks. No address gives 'unknown'.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'email_domain']) }}

with email_events as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and channel = 'email'
        and {{ is_message_event() }}

),

keyed as (

    select
        event_date,
        {{ message_key() }},
        {{ email_domain_key() }} as email_domain,
        action,
        user_id,
        action = 'click' and (not coalesce(is_bot_click, false) or :count_bot_clicks) as is_counted_click
    from email_events

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        email_domain,
        cast(count(*) filter (where action = 'send') as bigint) as sent,
        cast(count(*) filter (where action = 'delivery') as bigint) as delivered,
        cast(count(*) filter (where action = 'bounce') as bigint) as bounces,
        cast(count(*) filter (where action = 'soft_bounce') as bigint) as soft_bounces,
        cast(count(distinct user_id) filter (where action = 'open') as bigint) as unique_opens,
        cast(count(distinct user_id) filter (where is_counted_click) as bigint) as unique_clicks,
        cast(count(*) filter (where action = 'mark_as_spam') as bigint) as reported_spam
    from keyed
    group by event_date, message_kind, message_id, variation_id, step_id, email_domain

)

select * from final
