-- The keys of the breakdowns Braze lacks (recipient domain, push platform, error code, abort type),
-- over stg_currents__events columns, written once for the daily breakdown marts and the live view.

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
