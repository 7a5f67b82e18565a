-- Email clicks per link (URL) of each message; a report ranks the top 10 over its period.
-- Grain: event_date, message_kind, message_id, variation_id, step_id, url.
-- Input: stg_currents__events (email clicks). Suspected bot clicks are left out unless
-- :count_bot_clicks; unique_clicks counts distinct users within the day. No URL gives 'unknown'.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_kind', 'message_id', 'variation_id', 'step_id', 'url']) }}

with clicks as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and channel = 'email'
        and action = 'click'
        and (not coalesce(is_bot_click, false) or :count_bot_clicks)
        and {{ is_message_event() }}

),

keyed as (

    select
        event_date,
        {{ message_key() }},
        coalesce(url, 'unknown') as url,
        link_alias,
        user_id
    from clicks

),

final as (

    select
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        url,
        max(link_alias) as link_alias,
        cast(count(*) as bigint) as clicks,
        cast(count(distinct user_id) as bigint) as unique_clicks
    from keyed
    group by event_date, message_kind, message_id, variation_id, step_id, url

)

select * from final
