DROP TABLE chain_checks;
