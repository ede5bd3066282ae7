DROP TABLE job_cursors;
DROP TABLE alert_deliveries;
DROP TABLE alert_subscriptions;
