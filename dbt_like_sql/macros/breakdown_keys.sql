-- The keys of the breakdowns Braze lacks (recipient domain, push platform, error code, abort type),
-- over stg_currents__events columns, written once for the daily breakdown marts, the live view and
-- the campaign pages.

-- email_domain_key(): the recipient's domain; 'unknown' without an address.
{%- macro email_domain_key() -%}
    coalesce(email_domain, 'unknown')
{%- endmacro %}

-- platform_key(): the device platform of a push event, lower case; 'unknown' when absent.
{%- macro platform_key() -%}
    coalesce(nullif(lower(platform), ''), 'unknown')
{%- endmacro %}

-- error_code_key(): the provider error code (SMS, WhatsApp) or HTTP status (webhook) of a failure;
-- 'unknown' when empty or missing.
{%- macro error_code_key() -%}
    coalesce(nullif(trim(error_code), ''), 'unknown')
{%- endmacro %}

-- abort_type_key(): why an Abort event's message was not sent (AJO's exclusion reason); 'unknown' when absent.
{%- macro abort_type_key() -%}
    coalesce(nullif(trim(abort_type), ''), 'unknown')
{%- endmacro %}

-- email_domain_measures(): the stats of one recipient domain, over rows with action, user_id and
-- is_counted_click; the daily mart and the campaign pages (lib/reports/page_sql.py) count alike.
{%- macro email_domain_measures() -%}
    cast(count(*) filter (where action = 'send') as bigint) as sent,
    cast(count(*) filter (where action = 'delivery') as bigint) as delivered,
    cast(count(*) filter (where action = 'bounce') as bigint) as bounces,
    cast(count(*) filter (where action = 'soft_bounce') as bigint) as soft_bounces,
    cast(count(distinct user_id) filter (where action = 'open') as bigint) as unique_opens,
    cast(count(distinct user_id) filter (where is_counted_click) as bigint) as unique_clicks,
    cast(count(*) filter (where action = 'mark_as_spam') as bigint) as reported_spam
{%- endmacro %}
