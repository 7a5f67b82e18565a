-- The names of the message components a pass saw (the campaign-vs-Canvas rule of
-- macros/message_key.sql): a name seen replaces the stored one. Grain: message_kind, message_id,
-- variation_id, step_id. Input: live_new_events.
insert into live_names (message_kind, message_id, variation_id, step_id, message_name, variation_name, step_name, last_seen_at)
with named as (

    select
        message_kind,
        message_id,
        variation_id,
        step_id,
        case when message_kind = 'canvas' then canvas_name else campaign_name end as message_name,
        case when message_kind = 'canvas' then canvas_variation_name else message_variation_name end as variation_name,
        canvas_step_name as step_name,
        occurred_at
    from {{ ref('live_new_events') }}

),

final as (

    select
        message_kind,
        message_id,
        variation_id,
        step_id,
        max(message_name) as message_name,
        max(variation_name) as variation_name,
        max(step_name) as step_name,
        max(occurred_at) as last_seen_at
    from named
    group by message_kind, message_id, variation_id, step_id

)

select * from final
on conflict (message_kind, message_id, variation_id, step_id) do update set
    message_name = coalesce(excluded.message_name, live_names.message_name),
    variation_name = coalesce(excluded.variation_name, live_names.variation_name),
    step_name = coalesce(excluded.step_name, live_names.step_name),
    last_seen_at = greatest(excluded.last_seen_at, live_names.last_seen_at)
