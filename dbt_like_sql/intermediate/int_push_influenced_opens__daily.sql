-- Push influenced opens (Braze's rule): a user who starts an app session within 30 minutes
-- after a push Send to them, without a direct Open of that push (an Open of the same message
-- component by the same user from the Send up to that session). Credited to the Send's message
-- on the session's day; the Send may be up to 30 minutes before the window (crossing midnight).
-- Web push has no app session, so channel is 'push' only. No SessionStart export: no rows.
-- The session's own instant decides its day and its quarter-hours (am_quarters / pm_quarters, as
-- in int_user_touches__daily), so local periods recount influenced users exactly.
-- Grain: event_date, component_key (int_message_components__keyed), user_id.
-- Inputs: stg_currents__events (users.behaviors.app.SessionStart), int_events__attributed,
-- int_message_components__keyed.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'component_key', 'user_id']) }}

with sessions as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and action = 'session_start'

),

sends as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= cast(cast(:start_date as timestamp) - interval '1 day' as date)
        and event_date < :end_date
        and occurred_at >= cast(:start_date as timestamp) - interval '30 minutes'
        and channel = 'push'
        and action = 'send'

),

-- A second scan rather than one CTE read twice: PostgreSQL materializes a CTE used twice and
-- then probes it row by row for the NOT EXISTS below (minutes at 1M events a day).
opens as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= cast(cast(:start_date as timestamp) - interval '1 day' as date)
        and event_date < :end_date
        and occurred_at >= cast(:start_date as timestamp) - interval '30 minutes'
        and channel = 'push'
        and action = 'open'

),

influenced as (

    select
        sessions.event_date,
        sends.message_kind, sends.message_id, sends.variation_id, sends.step_id, sends.channel,
        sessions.user_id,
        sessions.occurred_at
    from sessions
    inner join sends
        on sends.user_id = sessions.user_id
        and sessions.occurred_at >= sends.occurred_at
        and sessions.occurred_at <= sends.occurred_at + interval '30 minutes'
    where not exists (
        select 1
        from opens
        where opens.user_id = sends.user_id
            and opens.message_kind = sends.message_kind
            and opens.message_id = sends.message_id
            and opens.variation_id = sends.variation_id
            and opens.step_id = sends.step_id
            and opens.occurred_at >= sends.occurred_at
            and opens.occurred_at <= sessions.occurred_at
    )

),

final as (

    select
        influenced.event_date, components.component_key, influenced.user_id,
        {{ quarter_masks('influenced.occurred_at') }}
    from influenced
    inner join {{ ref('int_message_components__keyed') }} as components
        using (message_kind, message_id, variation_id, step_id, channel)
    group by influenced.event_date, components.component_key, influenced.user_id

)

select * from final
