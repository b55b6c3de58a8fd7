DELETE FROM retention_runs WHERE rule_id IN (SELECT id FROM retention_rules WHERE category = 'departed_users');
DELETE FROM retention_rules WHERE category = 'departed_users';
ALTER TABLE retention_runs DROP CONSTRAINT retention_runs_outcome_check;
ALTER TABLE retention_runs ADD CONSTRAINT retention_runs_outcome_check
    CHECK (outcome IN ('nothing', 'started', 'awaiting_approval', 'busy', 'purged'));
ALTER TABLE retention_rules DROP CONSTRAINT retention_rules_action_check;
ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_action_check CHECK (action IN ('anonymise', 'delete', 'purge'));
ALTER TABLE retention_rules DROP CONSTRAINT retention_rules_category_check;
ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_category_check CHECK (category IN ('inactive_customers', 'credit_reports'));
ALTER TABLE users DROP COLUMN deactivated_at;
