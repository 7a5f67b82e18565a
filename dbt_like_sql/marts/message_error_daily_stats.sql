-- Delivery errors by reason: SMS rejections and delivery failures by provider error code,
-- webhook failures by HTTP status, WhatsApp failures by provider error code.
-- Grain: event_date, message_kind, message_id, variation_id, step_id, channel, error_type, error_code.
-- Input: stg_currents__events. An empty or missing code is 'unknown'.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel', 'error_type', 'error_code']) }}

with failures as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and (
            (channel = 'sms' and action in ('rejection', 'delivery_failure'))
            or (channel in ('webhook', 'whatsapp') and action = 'failure')
        )
        and {{ is_message_event() }}

),

keyed as (

    select
        event_date,
        {{ message_key() }},
        channel,
        case
            when channel = 'sms' and action = 'rejection' then 'sms_rejection'
            when channel = 'sms' then 'sms_delivery_failure'
            when channel = 'webhook' then 'webhook_failure'
            else 'whatsapp_failure'
        end as error_type,
        {{ error_code_key() }} as error_code
    from failures

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        error_type,
        error_code,
        cast(count(*) as bigint) as events
    from keyed
    group by event_date, message_kind, message_id, variation_id, step_id, channel, error_type, error_code

)

select * from final
