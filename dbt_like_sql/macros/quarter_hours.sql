-- quarter_hour(column): the quarter-hour of the UTC day (0..95: 00:00-00:14 is 0) of a UTC timestamp.
{%- macro quarter_hour(column) -%}
    cast(extract(hour from {{ column }}) * 4 + floor(extract(minute from {{ column }}) / 15) as integer)
{%- endmacro %}

-- quarter_masks(column), in a grouped select: the quarter-hours of the day with a row, as two 48-bit
-- masks, columns am_quarters (bit q: quarter-hour q) and pm_quarters (bit q: quarter-hour q + 48), so a
-- local period recounts distinct users with a bitwise AND (lib/reports/periods.py).
{%- macro quarter_masks(column) -%}
    {%- set q = quarter_hour(column) -%}
    cast(bit_or(case when {{ q }} < 48 then cast(1 as bigint) << {{ q }} else cast(0 as bigint) end) as bigint) as am_quarters,
        cast(bit_or(case when {{ q }} >= 48 then cast(1 as bigint) << ({{ q }} - 48) else cast(0 as bigint) end) as bigint) as pm_quarters
{%- endmacro %}

-- five_minute_bucket(column): the start of the 5-minute bucket (00:00, 00:05, ...) holding a UTC
-- timestamp, as a timestamp: the live view's resolution (three buckets make a quarter-hour).
{%- macro five_minute_bucket(column) -%}
    date_trunc('hour', {{ column }}) + cast(floor(extract(minute from {{ column }}) / 5) * 5 as integer) * interval '1 minute'
{%- endmacro %}
