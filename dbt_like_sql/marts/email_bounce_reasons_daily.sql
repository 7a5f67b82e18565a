-- Email bounces by type (hard, soft) and Adobe Campaign bounce category, with one sample reason.
-- Grain: event_date, message_kind, message_id, variation_id, step_id, bounce_type, bounce_category.
-- Input: int_email_bounces__classified (categories and their rules are documented in docs/metrics.md).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'bounce_type', 'bounce_category']) }}

with classified as (

    select * from {{ ref('int_email_bounces__classified') }}
    where event_date >= :start_date and event_date < :end_date

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        bounce_type,
        bounce_category,
        cast(count(*) as bigint) as bounces,
        min(bounce_reason) as example_reason
    from classified
    group by event_date, message_kind, message_id, variation_id, step_id, bounce_type, bounce_category

)

select * from final
