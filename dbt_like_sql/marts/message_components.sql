-- Every component of every message: campaign variation or Canvas variation + step, per channel,
-- with the latest names seen (message name falls back to the Braze catalog's).
-- Grain: message_kind, message_id, variation_id, step_id, channel ('' for an absent key).
-- Inputs: int_messages__daily, braze_catalog.
{{ config(materialized='table', unique_key=['message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with daily as (

    select * from {{ ref('int_messages__daily') }}

),

catalog as (

    select * from {{ ref('braze_catalog') }}

),

named as (

    select
        daily.*,
        first_value(message_name) over (
            partition by message_kind, message_id
            order by case when message_name is null then 1 else 0 end, event_date desc
        ) as latest_message_name,
        first_value(variation_name) over (
            partition by message_kind, message_id, variation_id
            order by case when variation_name is null then 1 else 0 end, event_date desc
        ) as latest_variation_name,
        first_value(step_name) over (
            partition by message_kind, message_id, variation_id, step_id
            order by case when step_name is null then 1 else 0 end, event_date desc
        ) as latest_step_name
    from daily

),

components as (

    select
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        max(latest_message_name) as message_name,
        max(latest_variation_name) as variation_name,
        max(latest_step_name) as step_name,
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from named
    group by message_kind, message_id, variation_id, step_id, channel

),

final as (

    select
        components.message_kind,
        components.message_id,
        components.variation_id,
        components.step_id,
        components.channel,
        coalesce(components.message_name, catalog.message_name) as message_name,
        components.variation_name,
        components.step_name,
        components.first_event_date,
        components.last_event_date
    from components
    left join catalog
        on catalog.message_kind = components.message_kind
        and catalog.message_id = components.message_id

)

select * from final
