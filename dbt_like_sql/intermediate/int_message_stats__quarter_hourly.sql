-- Every counted stat of every message component per quarter-hour of the UTC day, counted with the
-- contract's event -> stat mapping (macros/counted_stats.sql, shared with the live view). Every
-- IANA offset in use is a multiple of 15 minutes, so any local day, week or month is an exact
-- union of these rows.
-- Grain: event_date, quarter_hour (0..95: 00:00-00:14 UTC is 0), message_kind, message_id,
-- variation_id, step_id, channel. Input: int_events__attributed (ids are unique from ingestion on).
-- Unique stats are not here: they are recounted from int_user_touches__daily.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'quarter_hour', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with events as (

    select
        event_date,
        {{ quarter_hour('occurred_at') }} as quarter_hour,
        message_kind, message_id, variation_id, step_id, channel,
        action,
        is_machine_open,
        is_bot_click,
        case when button_id in ('0', '1') then button_id end as button_id,
        case when coalesce(button_string, '') = '' then '' else 'button' end as button_string
    from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

),

-- The events grouped by what the stats' conditions read (button_id and button_string only as far
-- as a condition tells them apart) first: a few rows per action and quarter-hour, so each
-- condition is evaluated over these groups, not over every event.
grouped as (

    select
        event_date, quarter_hour, message_kind, message_id, variation_id, step_id, channel,
        action, is_machine_open, is_bot_click, button_id, button_string,
        count(*) as events
    from events
    group by
        event_date, quarter_hour, message_kind, message_id, variation_id, step_id, channel,
        action, is_machine_open, is_bot_click, button_id, button_string

),

final as (

    select
        event_date,
        quarter_hour,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        {{ counted_stats(weight='events') }}
    from grouped
    group by event_date, quarter_hour, message_kind, message_id, variation_id, step_id, channel

)

select * from final
