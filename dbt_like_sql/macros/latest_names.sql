-- latest_event_key(at, id), an aggregate: a key whose maximum is the group's latest event (by time
-- `at`, then id `id` in binary order). DuckDB: a struct (compared field by field); PostgreSQL,
-- which has no struct maximum: text that sorts the same way.
{%- macro latest_event_key(at, id) -%}
    {%- if dialect != 'postgresql' -%}
    max({'at': {{ at }}, 'id': {{ id }}})
    {%- else -%}
    max(to_char({{ at }}, 'YYYYMMDDHH24MISSUS') || {{ id }} collate "C")
    {%- endif -%}
{%- endmacro %}

-- latest_name(name, latest, partition_by), a window expression over rows grouped with their names:
-- the `name` of the partition's latest row (by its latest_event_key column `latest`) that has a
-- non-empty one, else of its latest row. The same value on every row of the partition.
{%- macro latest_name(name, latest, partition_by) -%}
    {%- if dialect != 'postgresql' -%}
    struct_extract(max({'named': coalesce({{ name }}, '') <> '', 'at': {{ latest }}.at, 'id': {{ latest }}.id, 'name': {{ name }}})
            over (partition by {{ partition_by }}), 'name')
    {%- else -%}
    first_value({{ name }}) over (
            partition by {{ partition_by }}
            order by case when coalesce({{ name }}, '') = '' then 1 else 0 end, {{ latest }} collate "C" desc
        )
    {%- endif -%}
{%- endmacro %}
