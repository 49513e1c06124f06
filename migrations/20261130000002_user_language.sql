-- Each person's own interface language (NULL: the device's choice).
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('en', 'hi', 'ta', 'bn'));
