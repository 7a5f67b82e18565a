"""Plain helpers of report delivery: the delivery log, email content, alerts and sensor planning."""
