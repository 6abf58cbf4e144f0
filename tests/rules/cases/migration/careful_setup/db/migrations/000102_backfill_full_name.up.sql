-- the app writes both columns since release 4.2; copy the rest
UPDATE users SET full_name = name WHERE full_name IS NULL;
