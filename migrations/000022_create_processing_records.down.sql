DROP TABLE processing_records;
