CREATE TABLE things (id INTEGER, note TEXT);
INSERT INTO things VALUES (1, 'it''s open);
