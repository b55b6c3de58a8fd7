DROP TABLE objection_hashes;
DROP TABLE marketing_objections;
