-- The channel given to each message component's channel-less events of a day (campaign
-- Conversion / EnrollInControl, Canvas Entry / Conversion): the message's channel as seen on or
-- before that day (so a day's numbers do not depend on the run's window): the same campaign
-- variation or Canvas variation + step, else the same message; when it was sent on several
-- channels the lexicographically first (binary order) wins. A control-group variation (its own
-- 'control' row, from enrolments in control) gets 'control', never lent to other variations, so
-- its enrolments and conversions are not counted as a channel's. Components with no channel seen
-- have no row ('unknown' in int_events__attributed).
-- Grain: event_date, message_kind, message_id, variation_id, step_id.
-- Inputs: int_events__keyed, int_message_channels__daily.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id']) }}

with unchannelled as (

    select distinct event_date, message_kind, message_id, variation_id, step_id
    from {{ ref('int_events__keyed') }}
    where event_date >= :start_date and event_date < :end_date
        and channel is null

),

known_channels as (

    select * from {{ ref('int_message_channels__daily') }}
    where event_date < :end_date

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
                case when known_channels.channel = 'control' then 0 else 1 end,
                known_channels.channel collate "C"
        ) as preference
    from unchannelled
    inner join known_channels
        on known_channels.message_kind = unchannelled.message_kind
        and known_channels.message_id = unchannelled.message_id
        and known_channels.event_date <= unchannelled.event_date
        and (known_channels.channel <> 'control' or known_channels.variation_id = unchannelled.variation_id)

)

select event_date, message_kind, message_id, variation_id, step_id, channel
from candidates
where preference = 1
