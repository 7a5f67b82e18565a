-- Push and web push stats by device platform (ios, android, kindle, web, ...).
-- Grain: event_date, message_kind, message_id, variation_id, step_id, channel, platform.
-- Input: stg_currents__events (push and web_push events). No platform gives 'unknown'.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel', 'platform']) }}

with push_events as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and channel in ('push', 'web_push')
        and {{ is_message_event() }}

),

keyed as (

    select
        event_date,
        {{ message_key() }},
        channel,
        {{ platform_key() }} as platform,
        action
    from push_events

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        platform,
        cast(count(*) filter (where action = 'send') as bigint) as sent,
        cast(count(*) filter (where action = 'bounce') as bigint) as bounces,
        cast(count(*) filter (where action = 'open') as bigint) as direct_opens
    from keyed
    group by event_date, message_kind, message_id, variation_id, step_id, channel, platform

)

select * from final
