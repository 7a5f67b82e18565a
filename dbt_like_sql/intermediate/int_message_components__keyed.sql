-- Every message component ever seen (campaign variation or Canvas variation + step, per channel)
-- with its integer surrogate key: the model that owns component_key, which int_user_touches__daily
-- and int_push_influenced_opens__daily carry instead of the five key columns.
-- Grain: message_kind, message_id, variation_id, step_id, channel, over the whole table.
-- Input: int_messages__daily (never rescans events). Incremental: a run appends the components of
-- its window not keyed yet, numbered after the highest key by first day seen, then binary order of
-- the five columns (a range run numbers them as day-by-day runs would), and never deletes nor
-- renumbers a row, so a key is stable across days and runs and never reused.
-- keyed_on: the first day of the run that keyed the component (a later backfill of earlier days
-- finds it keyed).
{{ config(materialized='incremental', partition_by='keyed_on', unique_key=['message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with seen as (

    select * from {{ ref('int_messages__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

new_components as (

    select message_kind, message_id, variation_id, step_id, channel, min(event_date) as keyed_on
    from seen
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as keyed
        where keyed.message_kind = seen.message_kind
            and keyed.message_id = seen.message_id
            and keyed.variation_id = seen.variation_id
            and keyed.step_id = seen.step_id
            and keyed.channel = seen.channel
    )
    {%- endif %}
    group by message_kind, message_id, variation_id, step_id, channel

),

final as (

    select
        cast(
            {%- if is_incremental() %} (select coalesce(max(component_key), 0) from {{ this }}) +{% endif %}
            row_number() over (
                order by keyed_on, message_kind collate "C", message_id collate "C", variation_id collate "C",
                    step_id collate "C", channel collate "C"
            ) as integer
        ) as component_key,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        keyed_on
    from new_components

)

select * from final
