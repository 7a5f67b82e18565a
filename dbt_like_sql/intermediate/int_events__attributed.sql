-- Every message event with its message key and channel. Grain: event_id. Partitioned by event_date.
-- Inputs: stg_currents__events (events without a campaign or Canvas id, and SessionStart, are left
-- out), int_message_channels__daily. Key: message_kind 'canvas' when the event has a Canvas id or
-- step id, else 'campaign'; message_id, variation_id, step_id ('' when absent, never NULL).
-- Events without a channel (campaign Conversion / EnrollInControl, Canvas Entry / Conversion) take
-- their message's channel as seen on or before their own day (so a day's numbers do not depend on
-- the run's window): the same campaign variation or Canvas variation + step, else the same message;
-- when it was sent on several channels the lexicographically first (binary order) wins; none: 'unknown'.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_id']) }}

with events as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and action <> 'session_start'
        and coalesce(canvas_id, canvas_step_id, campaign_id) is not null

),

known_channels as (

    select * from {{ ref('int_message_channels__daily') }}
    where event_date < :end_date

),

keyed as (

    select
        events.*,
        case when coalesce(canvas_id, canvas_step_id) is not null then 'canvas' else 'campaign' end as message_kind,
        case when coalesce(canvas_id, canvas_step_id) is not null then coalesce(canvas_id, '') else campaign_id end as message_id,
        case
            when coalesce(canvas_id, canvas_step_id) is not null then coalesce(canvas_variation_id, '')
            else coalesce(message_variation_id, '')
        end as variation_id,
        coalesce(canvas_step_id, '') as step_id
    from events

),

unchannelled as (

    select distinct event_date, message_kind, message_id, variation_id, step_id
    from keyed
    where channel is null

),

candidates as (

    select
        unchannelled.event_date,
        unchannelled.message_kind,
        unchannelled.message_id,
        unchannelled.variation_id,
        unchannelled.step_id,
        known_channels.channel,
        row_number() over (
            partition by unchannelled.event_date, unchannelled.message_kind, unchannelled.message_id,
                unchannelled.variation_id, unchannelled.step_id
            order by
                case when known_channels.variation_id = unchannelled.variation_id
                    and known_channels.step_id = unchannelled.step_id then 0 else 1 end,
                known_channels.channel collate "C"
        ) as preference
    from unchannelled
    inner join known_channels
        on known_channels.message_kind = unchannelled.message_kind
        and known_channels.message_id = unchannelled.message_id
        and known_channels.event_date <= unchannelled.event_date

),

final as (

    select
        keyed.event_id,
        keyed.event_date,
        keyed.occurred_at,
        keyed.event_type,
        keyed.action,
        keyed.user_id,
        keyed.message_kind,
        keyed.message_id,
        keyed.variation_id,
        keyed.step_id,
        coalesce(keyed.channel, candidates.channel, 'unknown') as channel,
        case when keyed.message_kind = 'canvas' then keyed.canvas_name else keyed.campaign_name end as message_name,
        case
            when keyed.message_kind = 'canvas' then keyed.canvas_variation_name
            else keyed.message_variation_name
        end as variation_name,
        keyed.canvas_step_name as step_name,
        keyed.platform,
        keyed.button_id,
        keyed.button_string,
        keyed.is_machine_open,
        keyed.is_bot_click
    from keyed
    left join candidates
        on candidates.event_date = keyed.event_date
        and candidates.message_kind = keyed.message_kind
        and candidates.message_id = keyed.message_id
        and candidates.variation_id = keyed.variation_id
        and candidates.step_id = keyed.step_id
        and candidates.preference = 1
        and keyed.channel is null

)

select * from final
