-- Email bounces (hard and soft) with Adobe Campaign's bounce category.
-- Grain: event_id. Input: stg_currents__events (email bounce and soft_bounce events).
-- The category comes from bounce_reason: lower-cased, separators turned into spaces,
-- padded with a space; the matching rule with the lowest priority wins (status codes,
-- then phrases); no match is 'other'. Mirrored in engagement_pipeline/lib/models/bounce_categories.py.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_id']) }}

with bounces as (

    select * from {{ ref('stg_currents__events') }}
    where event_date >= :start_date and event_date < :end_date
        and channel = 'email'
        and action in ('bounce', 'soft_bounce')
        and {{ is_message_event() }}

),

rules as (

    select * from (
        values
            (1, '% 5.1.1 %', 'unknown_user'), (2, '% 5.1.0 %', 'unknown_user'), (3, '% 5.1.10 %', 'unknown_user'),
            (4, '% 5.1.2 %', 'invalid_domain'), (5, '% 5.4.4 %', 'invalid_domain'),
            (6, '% _.2.2 %', 'mailbox_full'), (7, '% 5.7._ %', 'refused'), (8, '% 5.7.__ %', 'refused'),
            (9, '% 4.4._ %', 'unreachable'), (10, '% 4.4.__ %', 'unreachable'),
            (11, '%host unknown%', 'invalid_domain'), (12, '%host not found%', 'invalid_domain'),
            (13, '%domain not found%', 'invalid_domain'), (14, '%domain name not found%', 'invalid_domain'),
            (15, '%domain does not exist%', 'invalid_domain'), (16, '%invalid domain%', 'invalid_domain'),
            (17, '%no mx%', 'invalid_domain'), (18, '%unrouteable%', 'invalid_domain'),
            (19, '%user unknown%', 'unknown_user'), (20, '%unknown user%', 'unknown_user'),
            (21, '%no such user%', 'unknown_user'), (22, '%does not exist%', 'unknown_user'),
            (23, '%recipient not found%', 'unknown_user'), (24, '%unknown recipient%', 'unknown_user'),
            (25, '%invalid recipient%', 'unknown_user'), (26, '%mailbox not found%', 'unknown_user'),
            (27, '%mailbox full%', 'mailbox_full'), (28, '%mailbox is full%', 'mailbox_full'),
            (29, '%quota%', 'mailbox_full'), (30, '%storage%', 'mailbox_full'),
            (31, '%spam%', 'refused'), (32, '%blocked%', 'refused'), (33, '%rejected%', 'refused'),
            (34, '%policy%', 'refused'), (35, '%blocklist%', 'refused'), (36, '%blacklist%', 'refused'), (37, '%denied%', 'refused'),
            (38, '%timed out%', 'unreachable'), (39, '%timeout%', 'unreachable'),
            (40, '%connection%', 'unreachable'), (41, '%unreachable%', 'unreachable'),
            (42, '%temporarily%', 'unreachable'), (43, '%try again later%', 'unreachable')
    ) as rule_rows (priority, pattern, bounce_category)

),

normalized as (

    select
        bounces.*,
        ' ' || translate(lower(coalesce(bounce_reason, '')), '-#()[]<>:;,"=' || chr(9) || chr(10) || chr(13),
            '                ') || ' ' as reason_text
    from bounces

),

matched as (

    select
        normalized.*,
        rules.bounce_category,
        row_number() over (partition by normalized.event_id order by rules.priority) as match_rank
    from normalized
    left join rules on normalized.reason_text like rules.pattern

),

final as (

    select
        event_id, event_date,
        {{ message_key() }},
        case when action = 'bounce' then 'hard' else 'soft' end as bounce_type,
        coalesce(bounce_category, 'other') as bounce_category,
        bounce_reason,
        user_id
    from matched
    where match_rank = 1

)

select * from final
