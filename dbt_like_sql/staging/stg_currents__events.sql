-- Canonical Currents events: one row per unique event, in the UTC day it happened.
-- Grain: event_id. Input: raw_currents_events (at-least-once delivery: copies of an
-- event id are dropped, the earliest loaded copy wins). Partitioned by event_date.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_id'], dedup_source='raw_currents_events') }}

with raw_events as (

    select * from {{ ref('raw_currents_events') }}
    where event_date >= :start_date and event_date < :end_date

),

ranked as (

    select
        raw_events.*,
        row_number() over (partition by event_id order by loaded_at, source_file) as copy_number
    from raw_events

),

final as (

    select
        event_id,
        event_type,
        channel,
        action,
        occurred_at,
        event_date,
        user_id,
        external_user_id,
        campaign_id,
        campaign_name,
        message_variation_id,
        message_variation_name,
        canvas_id,
        canvas_name,
        canvas_variation_id,
        canvas_variation_name,
        canvas_step_id,
        canvas_step_name,
        dispatch_id,
        send_id,
        platform,
        email_domain,
        url,
        link_id,
        link_alias,
        button_id,
        button_string,
        bounce_reason,
        mailbox_provider,
        is_machine_open,
        is_bot_click,
        is_drop,
        error_code,
        error_message,
        timezone
    from ranked
    where copy_number = 1

)

select * from final
