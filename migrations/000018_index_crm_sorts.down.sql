DROP INDEX IF EXISTS customers_kind_sort;
