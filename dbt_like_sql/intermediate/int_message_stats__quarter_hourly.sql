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
        *,
        {{ quarter_hour('occurred_at') }} as quarter_hour
    from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

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
        {{ counted_stats() }}
    from events
    group by event_date, quarter_hour, message_kind, message_id, variation_id, step_id, channel

)

select * from final
