-- The campaign-vs-Canvas rule, written once, for selects over Currents events (stg_currents__events
-- columns). int_events__keyed applies it to every event; the breakdown models that need event
-- columns the keyed view does not carry (domains, URLs, bounce reasons, error codes) call it too.

-- is_canvas(): true when the event belongs to a Canvas (it has a Canvas id or a Canvas step id).
{%- macro is_canvas() -%}
    coalesce(canvas_id, canvas_step_id) is not null
{%- endmacro %}

-- is_message_event(): true when the event belongs to a campaign or a Canvas (it has a message key).
{%- macro is_message_event() -%}
    coalesce(canvas_id, canvas_step_id, campaign_id) is not null
{%- endmacro %}

-- message_key(): the message key's four columns: message_kind ('canvas' or 'campaign'),
-- message_id, variation_id, step_id ('' when absent, never NULL).
{%- macro message_key() -%}
    case when {{ is_canvas() }} then 'canvas' else 'campaign' end as message_kind,
        case when {{ is_canvas() }} then coalesce(canvas_id, '') else campaign_id end as message_id,
        case when {{ is_canvas() }} then coalesce(canvas_variation_id, '') else coalesce(message_variation_id, '') end
            as variation_id,
        coalesce(canvas_step_id, '') as step_id
{%- endmacro %}
