-- Who did what, per day: one row per user per message component per unique stat per day.
-- Grain: event_date, component_key, stat, user_id. Inputs: int_events__attributed,
-- int_message_components__keyed (component_key: one integer for message_kind, message_id,
-- variation_id, step_id and channel; readers join it back for those). Exact uniques for any
-- period (N days, a week, a month, the whole frame) are count(distinct user_id) over the period's
-- rows, never a sum of daily uniques.
-- Size: at most one row per user x message component x stat x day, so never more rows than events.
-- am_quarters / pm_quarters: the UTC quarter-hours of the day in which the user had the event
-- (bit q of am_quarters: quarter-hour q, 00:00-11:59; bit q of pm_quarters: q + 48, 12:00-23:59),
-- so a report in any time zone recounts a local period exactly (lib/reports/periods.py, lib/reports/query.py).
-- stat: unique_opens (email Open), unique_clicks (email Click, suspected bot clicks only when
-- :count_bot_clicks; in-app and content card Click), unique_impressions (in-app and content card
-- Impression), unique_recipients (a Send on any channel), unique_conversions (campaign Conversion).
-- Two more, read only by variant results (lib/reports/variant_counts.py), never columns of the stats
-- tables: unique_enrolled_in_control (campaign EnrollInControl: the control group's users) and
-- unique_canvas_conversions (Canvas Conversion, per Canvas variation).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'component_key', 'stat', 'user_id']) }}

with events as (

    select * from {{ ref('int_events__attributed') }}
    where event_date >= :start_date and event_date < :end_date

),

components as (

    select * from {{ ref('int_message_components__keyed') }}

),

classified as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        user_id,
        occurred_at,
        case
            when channel = 'email' and action = 'open' then 'unique_opens'
            when channel = 'email' and action = 'click'
                and (not coalesce(is_bot_click, false) or :count_bot_clicks) then 'unique_clicks'
            when channel in ('in_app_message', 'content_card') and action = 'click' then 'unique_clicks'
            when channel in ('in_app_message', 'content_card') and action = 'impression' then 'unique_impressions'
            when action = 'send' then 'unique_recipients'
            when message_kind = 'campaign' and action = 'conversion' then 'unique_conversions'
            when message_kind = 'campaign' and action = 'enroll_in_control' then 'unique_enrolled_in_control'
            when message_kind = 'canvas' and action = 'conversion' then 'unique_canvas_conversions'
        end as stat
    from events

),

final as (

    select
        classified.event_date,
        components.component_key,
        classified.stat,
        classified.user_id,
        {{ quarter_masks('classified.occurred_at') }}
    from classified
    inner join components using (message_kind, message_id, variation_id, step_id, channel)
    where classified.stat is not null
    group by classified.event_date, components.component_key, classified.stat, classified.user_id

)

select * from final
