CREATE TABLE things (id INTEGER);
/* a comment that never ends
CREATE INDEX things_id ON things (id);
