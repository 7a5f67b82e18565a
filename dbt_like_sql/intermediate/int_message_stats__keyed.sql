-- The campaign and Canvas stats the marts report, keyed and named: rollup levels 'message' and
-- 'component' of int_message_stats__rated with message_key (a surrogate key: md5 of message_kind,
-- message_id, variation_id and step_id, '|'-separated), the kind's own identifiers (campaign_id,
-- message_variation_id of a campaign; canvas_id, canvas_variation_id, canvas_step_id of a Canvas;
-- NULL for the other kind) and names: the latest seen that day (int_messages__daily), else the
-- latest ever seen (message_catalog for a message, message_components for a component).
-- Grain: event_date, rollup_level, message_kind, message_id, variation_id, step_id, channel.
-- Inputs: int_message_stats__rated, int_messages__daily, message_catalog, message_components.
-- The grain follows from int_message_stats__rated (each name source has one row per key).
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'rollup_level', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel'], grain_follows_from=['int_message_stats__rated', 'int_messages__daily', 'message_catalog', 'message_components']) }}

with stats as (

    select * from {{ ref('int_message_stats__rated') }}
    where event_date >= :start_date and event_date < :end_date
        and rollup_level in ('message', 'component')

),

daily as (

    select * from {{ ref('int_messages__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

-- Each name source carries the rollup level it names, so every join is on equal keys (a hash join).
catalog as (

    select 'message' as rollup_level, * from {{ ref('message_catalog') }}

),

components as (

    select 'component' as rollup_level, * from {{ ref('message_components') }}

),

message_day_names as (

    -- A day's names are the same on all rows of the message (variation, step) that day.
    select distinct 'message' as rollup_level, event_date, message_kind, message_id, message_name from daily

),

component_day_names as (

    select distinct
        'component' as rollup_level, event_date, message_kind, message_id, variation_id, step_id,
        message_name, variation_name, step_name
    from daily

),

final as (

    select
        stats.event_date, stats.rollup_level, stats.message_kind, stats.message_id, stats.variation_id, stats.step_id, stats.channel,
        md5(stats.message_kind || '|' || stats.message_id || '|' || stats.variation_id || '|' || stats.step_id) as message_key,
        case when stats.message_kind = 'campaign' then stats.message_id end as campaign_id,
        case when stats.message_kind = 'campaign' then stats.variation_id end as message_variation_id,
        case when stats.message_kind = 'canvas' then stats.message_id end as canvas_id,
        case when stats.message_kind = 'canvas' then stats.variation_id end as canvas_variation_id,
        case when stats.message_kind = 'canvas' then stats.step_id end as canvas_step_id,
        case when stats.rollup_level = 'message' then coalesce(message_day_names.message_name, catalog.message_name)
            else coalesce(component_day_names.message_name, components.message_name) end as message_name,
        coalesce(component_day_names.variation_name, components.variation_name) as variation_name,
        coalesce(component_day_names.step_name, components.step_name) as step_name,
        {{ stat_columns('stats') }}
    from stats
    left join message_day_names using (rollup_level, event_date, message_kind, message_id)
    left join catalog using (rollup_level, message_kind, message_id)
    left join component_day_names using (rollup_level, event_date, message_kind, message_id, variation_id, step_id)
    left join components using (rollup_level, message_kind, message_id, variation_id, step_id, channel)

)

select * from final
