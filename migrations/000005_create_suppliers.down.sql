DROP TABLE supplier_contacts;
DROP TABLE suppliers;
