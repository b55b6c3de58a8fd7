DROP TABLE settings;
DROP TABLE quote_lines;
DROP TABLE quotes;
