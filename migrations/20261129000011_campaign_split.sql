-- Split tests: a campaign's optional second template with its own parameter
-- sources and the share of the audience that gets it; each recipient
-- records which variant it got.
ALTER TABLE campaigns ADD COLUMN variant_b jsonb;
ALTER TABLE campaign_recipients ADD COLUMN variant text NOT NULL DEFAULT 'a' CHECK (variant IN ('a', 'b'));
