-- Push influenced opens (Braze's rule): a user who starts an app session within 30 minutes
-- after a push Send to them, without a direct Open of that push (an Open of the same message
-- component by the same user from the Send up to that session). Credited to the Send's message
-- on the session's day; the Send may be up to 30 minutes before the window (crossing midnight).
-- Web push has no app session, so channel is 'push' only. No SessionStart export: no rows. The
-- session's instant decides its day and quarter-hours (as in int_user_touches__daily).
-- Grain: event_date, component_key (int_message_components__keyed), user_id.
-- Inputs: stg_currents__events (SessionStart), int_events__attributed, int_message_components__keyed.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'component_key', 'user_id']) }}

with sessions as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and action = 'session_start'

),

sends as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= cast(cast(:start_date as timestamp) - interval '1 day' as date) and event_date < :end_date
        and occurred_at >= cast(:start_date as timestamp) - interval '30 minutes'
        and channel = 'push' and action = 'send'

),

-- A second scan, not one CTE read twice: PostgreSQL materializes a CTE used twice and probes it per row.
opens as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= cast(cast(:start_date as timestamp) - interval '1 day' as date) and event_date < :end_date
        and occurred_at >= cast(:start_date as timestamp) - interval '30 minutes'
        and channel = 'push' and action = 'open'

),

influenced as (

    select
        sessions.event_date, sends.message_kind, sends.message_id, sends.variation_id, sends.step_id, sends.channel,
        sessions.user_id, sessions.occurred_at
    from sessions
    inner join sends
        on sends.user_id = sessions.user_id
        and sessions.occurred_at >= sends.occurred_at
        and sessions.occurred_at <= sends.occurred_at + interval '30 minutes'
    where not exists (
        select 1 from opens
        where opens.user_id = sends.user_id
            and opens.message_kind = sends.message_kind
            and opens.message_id = sends.message_id
            and opens.variation_id = sends.variation_id
            and opens.step_id = sends.step_id
            and opens.occurred_at >= sends.occurred_at
            and opens.occurred_at <= sessions.occurred_at
    )

),

-- Grouped, then keyed: joined below the NOT EXISTS, the keys made PostgreSQL expect 1 row and probe per row.
grouped as (

    select
        event_date, message_kind, message_id, variation_id, step_id, channel, user_id,
        {{ quarter_masks('occurred_at') }}
    from influenced
    group by event_date, message_kind, message_id, variation_id, step_id, channel, user_id

),

final as (

    select grouped.event_date, components.component_key, grouped.user_id, grouped.am_quarters, grouped.pm_quarters
    from grouped
    inner join {{ ref('int_message_components__keyed') }} as components
        using (message_kind, message_id, variation_id, step_id, channel)

)

select * from final
