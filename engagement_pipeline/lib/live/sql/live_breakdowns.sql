-- Add a pass's events into live_breakdowns: the AJO 24-hour breakdowns (recipient domain, push
-- platform, error code, abort type as the exclusion reason) per 5-minute bucket, message component
-- and channel, one row per stat with a count (`live_breakdowns`, a tuple of (dimension, stats)).
-- Keys come from macros/breakdown_keys.sql and counts from macros/counted_stats.sql, as in the
-- daily breakdown marts. Grain: bucket_at, message_kind, message_id, variation_id, step_id, channel,
-- dimension, value, stat. Input: live_new_events.
insert into live_breakdowns (bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel, dimension, value, stat, events)
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
        button_string,
        case when channel = 'email' then {{ email_domain_key() }} end as recipient_domain,
        case when channel in ('push', 'web_push') then {{ platform_key() }} end as push_platform,
        case when action in ('rejection', 'delivery_failure', 'failure') then {{ error_code_key() }} end as error_code,
        case when action = 'abort' then {{ abort_type_key() }} end as abort_type
    from {{ ref('live_new_events') }}

),
{% for dimension, dimension_stats in live_breakdowns %}

{{ dimension }}_counts as (

    select
        bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel,
        {{ dimension }} as value,
        {{ counted_stats(dimension_stats) }}
    from keyed
    where {{ dimension }} is not null
    group by bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel, {{ dimension }}

),
{% endfor %}

final as (
{% for dimension, dimension_stats in live_breakdowns %}
{%- for stat in dimension_stats %}

    select
        bucket_at, event_date, message_kind, message_id, variation_id, step_id, channel,
        '{{ dimension }}' as dimension, value, '{{ stat }}' as stat, {{ stat }} as events
    from {{ dimension }}_counts
    where {{ stat }} > 0
{% if not loop.last %}
    union all
{%- endif %}
{%- endfor %}
{% if not loop.last %}
    union all
{%- endif %}
{%- endfor %}

)

select * from final
on conflict (bucket_at, message_kind, message_id, variation_id, step_id, channel, dimension, value, stat) do update set
    events = live_breakdowns.events + excluded.events
