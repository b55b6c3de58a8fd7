DROP INDEX IF EXISTS customers_kind_sort;
DROP INDEX IF EXISTS customers_city_sort;
