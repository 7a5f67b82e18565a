-- The channels each message component was sent on, per day: the lookup that gives
-- channel-less events (conversions, enrolments in control, Canvas entries) a channel. A campaign
-- variation users were enrolled in as its control group (EnrollInControl) has channel 'control'.
-- Grain: event_date, message_kind, message_id, variation_id, step_id, channel.
-- Input: int_events__keyed (events with a channel, and enrolments in control).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select * from {{ ref('int_events__keyed') }}
    where event_date >= :start_date and event_date < :end_date
        and (channel is not null or action = 'enroll_in_control')

),

channelled as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        case when action = 'enroll_in_control' then 'control' else channel end as channel
    from events

),

final as (

    select distinct
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel
    from channelled

)

select * from final
