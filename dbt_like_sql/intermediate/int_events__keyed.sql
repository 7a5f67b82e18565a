-- Every message event with its message key, the model every message model downstream reads the
-- key from. Grain: event_id. Partitioned by event_date. Input: stg_currents__events (events
-- without a campaign or Canvas id, and SessionStart, are left out). Key (macros/message_key.sql):
-- message_kind 'canvas' when the event has a Canvas id or step id, else 'campaign'; message_id,
-- variation_id, step_id ('' when absent, never NULL). channel is the event's own (NULL for
-- conversions, control enrolments, Canvas entries: see int_events__attributed). A view: readers
-- filter on event_date; its rows are not counted when it is materialized (that would compute it:
-- seconds at 10M events a day).
{{ config(materialized='view', partition_by='event_date', unique_key=['event_id'], grain_follows_from=['stg_currents__events'], row_count=false) }}

with events as (

    select
        *,
        {{ is_canvas() }} as is_canvas
    from {{ ref('stg_currents__events') }}
    where action <> 'session_start'
        and {{ is_message_event() }}

)

select
    event_id,
    event_date,
    occurred_at,
    event_type,
    action,
    user_id,
    {{ message_key() }},
    channel,
    case when is_canvas then canvas_name else campaign_name end as message_name,
    case when is_canvas then canvas_variation_name else message_variation_name end as variation_name,
    canvas_step_name as step_name,
    platform,
    button_id,
    button_string,
    is_machine_open,
    is_bot_click
from events
