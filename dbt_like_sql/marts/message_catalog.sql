-- Every campaign and Canvas: its latest name, channels, tags, first and last event day (UTC) and
-- first event instant (first_event_at, UTC: a report's default time frame starts on its local date).
-- Grain: message_kind, message_id. Inputs: int_messages__seen (ephemeral, from int_messages__daily:
-- never rescans events), braze_catalog and braze_catalog_tags (the Braze list exports; messages
-- without events yet are included with empty channels and NULL dates). message_name: the latest
-- name seen in events, else the catalog's. channels and tags: comma-joined, sorted (binary order);
-- channels leaves out 'unknown' and 'control' (int_messages__seen).
{{ config(materialized='table', unique_key=['message_kind', 'message_id']) }}

with seen as (

    select * from {{ ref('int_messages__seen') }}

),

catalog as (

    select * from {{ ref('braze_catalog') }}

),

catalog_tags as (

    select distinct message_kind, message_id, tag from {{ ref('braze_catalog_tags') }}

),

tag_lists as (

    select message_kind, message_id, string_agg(tag, ',' order by tag collate "C") as tags
    from catalog_tags
    group by message_kind, message_id

),

messages as (

    select message_kind, message_id from seen
    union
    select message_kind, message_id from catalog

),

final as (

    select
        messages.message_kind,
        messages.message_id,
        coalesce(seen.message_name, catalog.message_name) as message_name,
        coalesce(seen.channels, '') as channels,
        coalesce(tag_lists.tags, '') as tags,
        seen.first_event_date,
        seen.last_event_date,
        seen.first_event_at
    from messages
    left join seen using (message_kind, message_id)
    left join catalog using (message_kind, message_id)
    left join tag_lists using (message_kind, message_id)

)

select * from final
