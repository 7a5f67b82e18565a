-- The channels each message component was sent on, per day: the lookup that gives
-- channel-less events (conversions, enrolments in control, Canvas entries) a channel. A campaign
-- variation users were enrolled in as its control group (EnrollInControl) has channel 'control'.
-- Grain: event_date, message_kind, message_id, variation_id, step_id, channel.
-- Input: stg_currents__events (events with a channel, or enrolments in control, and a campaign or Canvas id).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and (channel is not null or action = 'enroll_in_control')
        and coalesce(canvas_id, canvas_step_id, campaign_id) is not null

),

keyed as (

    select
        event_date,
        case when coalesce(canvas_id, canvas_step_id) is not null then 'canvas' else 'campaign' end as message_kind,
        case when coalesce(canvas_id, canvas_step_id) is not null then coalesce(canvas_id, '') else campaign_id end as message_id,
        case
            when coalesce(canvas_id, canvas_step_id) is not null then coalesce(canvas_variation_id, '')
            else coalesce(message_variation_id, '')
        end as variation_id,
        coalesce(canvas_step_id, '') as step_id,
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
    from keyed

)

select * from final
