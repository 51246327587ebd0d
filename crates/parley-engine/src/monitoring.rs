//! What the System page and `/health/ready` show: nodes, database, queue, outbox, providers, integrations, failed executions.
