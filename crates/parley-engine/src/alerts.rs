//! Alert rules, their evaluation and delivery (email, Slack, signed webhook) as jobs.
