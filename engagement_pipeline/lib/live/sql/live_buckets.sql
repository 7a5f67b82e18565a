-- Add a pass's events into live_buckets: every live stat per 5-minute bucket, message component and
-- channel, counted with the contract's mapping (macros/counted_stats.sql) and keyed by the models'
-- message key (macros/message_key.sql). Grain: bucket_at, message_kind, message_id, variation_id,
-- step_id, channel. Input: live_new_events. A bucket already there gets the new counts added.
insert into live_buckets (bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel, {{ live_stats | join(', ') }})
with keyed as (

    select
        bucket_at,
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        action,
        is_machine_open,
        is_bot_click,
        button_id,
        button_string
    from {{ ref('live_new_events') }}

),

final as (

    select
        bucket_at,
        event_date,
        message_kind,
        message_id,
        variation_id,
        step_id,
        channel,
        {{ counted_stats(live_stats) }}
    from keyed
    group by bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel

)

select * from final
on conflict (bucket_at, message_kind, message_id, variation_id, step_id, channel) do update set
{%- for stat in live_stats %}
    {{ stat }} = live_buckets.{{ stat }} + excluded.{{ stat }}{{ "," if not loop.last }}
{%- endfor %}
