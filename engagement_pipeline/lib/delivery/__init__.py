"""Plain helpers of report delivery: the delivery log, email content, alerts, retries and sensor planning."""
