DROP TABLE denial_counts;
