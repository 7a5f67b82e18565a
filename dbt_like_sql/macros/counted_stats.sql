-- The event -> count mapping of the metric contract (../shared/notes/metrics.md), written once:
-- int_message_stats__quarter_hourly counts every stat with it, the live view (lib/live/sql/) its
-- 5-minute buckets and breakdowns. Over rows with the columns of int_events__attributed (channel,
-- action, is_machine_open, is_bot_click, button_id, button_string); binds :count_bot_clicks.

-- counted_stat_filters: stat name -> the condition an event meets to count in it, in contract order.
{%- set counted_stat_filters = {
    'sent': "action = 'send'",
    'delivered': "action = 'delivery'",
    'bounces': "action = 'bounce'",
    'soft_bounces': "action = 'soft_bounce'",
    'opens': "channel = 'email' and action = 'open'",
    'machine_opens': "channel = 'email' and action = 'open' and is_machine_open",
    'clicks': "(action = 'click' and (channel <> 'email' or not coalesce(is_bot_click, false) or :count_bot_clicks))
                or action = 'short_link_click'",
    'unsubscribes': "action = 'unsubscribe'",
    'reported_spam': "action = 'mark_as_spam'",
    'direct_opens': "channel in ('push', 'web_push') and action = 'open'",
    'body_clicks': "channel in ('push', 'web_push') and action = 'open' and coalesce(button_string, '') = ''",
    'impressions': "action = 'impression'",
    'first_button_clicks': "channel = 'in_app_message' and action = 'click' and button_id = '0'",
    'second_button_clicks': "channel = 'in_app_message' and action = 'click' and button_id = '1'",
    'dismissals': "action = 'dismiss'",
    'errors': "channel = 'webhook' and action = 'failure'",
    'sent_to_carrier': "action = 'carrier_send'",
    'rejected': "action = 'rejection'",
    'delivery_failed': "action = 'delivery_failure'",
    'read': "action = 'read'",
    'failed': "channel = 'whatsapp' and action = 'failure'",
    'conversions': "action = 'conversion'",
    'enrolled_in_control': "action = 'enroll_in_control'",
    'entries': "action = 'entry'",
    'aborts': "action = 'abort'",
    'retries': "action in ('retry', 'deferral')",
} %}

-- counted_stats(names, weight): `cast(count(*) filter (where <condition>) as bigint) as <stat>` for each
-- stat of `names` (default: every counted stat), comma-separated, in the order given; with `weight` (a
-- column of rows already grouped by the filters' columns, holding their event counts) the sum of it.
{%- macro counted_stats(names=none, weight=none) -%}
    {%- for name in (names if names is not none else counted_stat_filters) %}
        {%- if weight %}
        cast(coalesce(sum({{ weight }}) filter (where {{ counted_stat_filters[name] }}), 0) as bigint) as {{ name }}{{ "," if not loop.last }}
        {%- else %}
        cast(count(*) filter (where {{ counted_stat_filters[name] }}) as bigint) as {{ name }}{{ "," if not loop.last }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
