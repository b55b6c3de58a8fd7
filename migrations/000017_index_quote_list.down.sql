DROP INDEX quotes_total;
DROP INDEX quotes_date;
