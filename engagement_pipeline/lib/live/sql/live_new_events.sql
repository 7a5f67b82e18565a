-- The events one live pass applies: the raw rows of the files it claimed (live_files.pass_id; a
-- file is a manifest row, so a file dropped again with new content is its own row), from the
-- retention cutoff on, keyed once for the statements that read it: the 5-minute bucket and the
-- message key (macros/message_key.sql). Grain: event_id, event_type (ingestion keeps one row per event).
-- Only message events with a channel: conversions, control enrolments and Canvas entries count
-- in no live stat.
select
    raw.*,
    {{ five_minute_bucket('raw.occurred_at') }} as bucket_at,
    {{ message_key() }}
from {{ ref('raw_currents_events') }} as raw
join {{ ref('live_files') }} as files
    on files.object_key = raw.source_file
    and files.loaded_at = raw.loaded_at
where files.pass_id = :pass_id
    and raw.loaded_at >= :first_loaded_at
    and raw.event_date >= :cutoff_date
    and raw.occurred_at >= :cutoff
    and raw.channel is not null
    and {{ is_message_event() }}
