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
        {{ email_domain_measures() }}
    from keyed
    group by event_date, message_kind, message_id, variation_id, step_id, email_domain

)

select * from final
