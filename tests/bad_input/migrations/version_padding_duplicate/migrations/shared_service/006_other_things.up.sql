CREATE TABLE other_things (id INTEGER);
