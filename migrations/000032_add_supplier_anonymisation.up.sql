-- Issue 18, item 5: a supplier that is a person (a sole trader, enskild firma, whose organisation number
-- is the personnummer) can be anonymised like a customer: its personal columns are cleared as
-- gdpr.SupplierInventory declares, its contact persons removed, and anonymised_at marks it, locked.
ALTER TABLE suppliers ADD COLUMN anonymised_at timestamptz;
