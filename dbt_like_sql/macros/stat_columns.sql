-- stat_columns(alias): every stat then every rate of the metric contract (`stats`, from
-- lib/reports/stats.py) in contract order, qualified by `alias` and comma-separated, e.g.
-- `stats.sent, stats.delivered, ..., stats.conversion_rate`: the column list the stats marts share.
{%- macro stat_columns(alias) -%}
    {%- for stat in stats %}{{ alias }}.{{ stat.name }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}
