-- The stats of int_message_stats__daily rolled up to the levels the marts report, per day:
-- rollup_level 'channel' (event_date, channel), 'message' (+ message_kind, message_id) and
-- 'component' (+ variation_id, step_id); keys a level does not have are ''. Counts are summed;
-- uniques are recounted as distinct users from int_user_touches__daily (never summed; a component's
-- are int_message_stats__daily's own).
-- Grain: event_date, rollup_level, message_kind, message_id, variation_id, step_id, channel.
-- Inputs: int_message_stats__daily, int_user_touches__daily. Rates: int_message_stats__rated.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'rollup_level', 'message_kind', 'message_id', 'variation_id', 'step_id', 'channel']) }}

with stats as (

    select * from {{ ref('int_message_stats__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

touches as (

    select * from {{ ref('int_user_touches__daily') }}
    where event_date >= :start_date and event_date < :end_date

),

summed as (

    select
        case
            when grouping(message_kind) = 1 then 'channel'
            when grouping(variation_id) = 1 then 'message'
            else 'component'
        end as rollup_level,
        event_date, coalesce(message_kind, '') as message_kind, coalesce(message_id, '') as message_id,
        coalesce(variation_id, '') as variation_id, coalesce(step_id, '') as step_id, channel,
        cast(sum(sent) as bigint) as sent, cast(sum(delivered) as bigint) as delivered,
        cast(sum(bounces) as bigint) as bounces, cast(sum(soft_bounces) as bigint) as soft_bounces,
        cast(sum(opens) as bigint) as opens, cast(sum(machine_opens) as bigint) as machine_opens,
        cast(sum(clicks) as bigint) as clicks, cast(sum(unsubscribes) as bigint) as unsubscribes,
        cast(sum(reported_spam) as bigint) as reported_spam, cast(sum(direct_opens) as bigint) as direct_opens,
        cast(sum(body_clicks) as bigint) as body_clicks, cast(sum(influenced_opens) as bigint) as influenced_opens,
        cast(sum(total_opens) as bigint) as total_opens, cast(sum(impressions) as bigint) as impressions,
        cast(sum(first_button_clicks) as bigint) as first_button_clicks,
        cast(sum(second_button_clicks) as bigint) as second_button_clicks,
        cast(sum(dismissals) as bigint) as dismissals, cast(sum(errors) as bigint) as errors,
        cast(sum(sent_to_carrier) as bigint) as sent_to_carrier, cast(sum(rejected) as bigint) as rejected,
        cast(sum(delivery_failed) as bigint) as delivery_failed, cast(sum(read) as bigint) as read,
        cast(sum(failed) as bigint) as failed, cast(sum(conversions) as bigint) as conversions,
        cast(sum(enrolled_in_control) as bigint) as enrolled_in_control, cast(sum(entries) as bigint) as entries,
        cast(sum(aborts) as bigint) as aborts, cast(sum(retries) as bigint) as retries
    from stats
    group by grouping sets (
        (event_date, channel),
        (event_date, message_kind, message_id, channel),
        (event_date, message_kind, message_id, variation_id, step_id, channel)
    )

),

uniques as (

    -- Channel and message levels recount distinct users; a component's uniques are the day's
    -- uniques of int_message_stats__daily already (one row per component).
    select
        case when grouping(message_kind) = 1 then 'channel' else 'message' end as rollup_level,
        event_date, coalesce(message_kind, '') as message_kind, coalesce(message_id, '') as message_id,
        '' as variation_id, '' as step_id, channel,
        cast(count(distinct user_id) filter (where stat = 'unique_opens') as bigint) as unique_opens,
        cast(count(distinct user_id) filter (where stat = 'unique_clicks') as bigint) as unique_clicks,
        cast(count(distinct user_id) filter (where stat = 'unique_impressions') as bigint) as unique_impressions,
        cast(count(distinct user_id) filter (where stat = 'unique_recipients') as bigint) as unique_recipients,
        cast(count(distinct user_id) filter (where stat = 'unique_conversions') as bigint) as unique_conversions
    from touches
    group by grouping sets (
        (event_date, channel),
        (event_date, message_kind, message_id, channel)
    )

    union all

    select
        'component', event_date, message_kind, message_id, variation_id, step_id, channel,
        unique_opens, unique_clicks, unique_impressions, unique_recipients, unique_conversions
    from stats

),

final as (

    select
        summed.*,
        coalesce(uniques.unique_opens, 0) as unique_opens,
        coalesce(uniques.unique_clicks, 0) as unique_clicks,
        coalesce(uniques.unique_impressions, 0) as unique_impressions,
        coalesce(uniques.unique_recipients, 0) as unique_recipients,
        coalesce(uniques.unique_conversions, 0) as unique_conversions
    from summed
    left join uniques
        on uniques.rollup_level = summed.rollup_level
        and uniques.event_date = summed.event_date
        and uniques.message_kind = summed.message_kind
        and uniques.message_id = summed.message_id
        and uniques.variation_id = summed.variation_id
        and uniques.step_id = summed.step_id
        and uniques.channel = summed.channel

)

select * from final
