-- Issue 18, item 4: a retention rule erases departed staff N months after their deactivation. The date
-- is kept from now on; users deactivated before get it from the audit log's last deactivation event.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
UPDATE users u SET deactivated_at = (SELECT max(a.at) FROM audit_events a WHERE a.action = 'user.deactivated'
    AND a.entity_type = 'user' AND a.entity_id = u.id)
    WHERE NOT u.active AND u.erased_at IS NULL;

ALTER TABLE retention_rules DROP CONSTRAINT retention_rules_category_check;
ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_category_check
    CHECK (category IN ('inactive_customers', 'credit_reports', 'departed_users'));
ALTER TABLE retention_rules DROP CONSTRAINT retention_rules_action_check;
ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_action_check
    CHECK (action IN ('anonymise', 'delete', 'purge', 'erase'));
ALTER TABLE retention_runs DROP CONSTRAINT retention_runs_outcome_check;
ALTER TABLE retention_runs ADD CONSTRAINT retention_runs_outcome_check
    CHECK (outcome IN ('nothing', 'started', 'awaiting_approval', 'busy', 'purged', 'erased'));
INSERT INTO retention_rules (category, months, action) VALUES ('departed_users', 12, 'erase');
