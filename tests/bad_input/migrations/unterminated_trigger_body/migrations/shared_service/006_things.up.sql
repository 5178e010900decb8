CREATE TABLE things (id INTEGER);
CREATE TRIGGER things_ins AFTER INSERT ON things BEGIN
  UPDATE things SET id = id;
