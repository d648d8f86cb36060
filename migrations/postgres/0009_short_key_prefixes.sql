-- Key listings show at most 4 characters of secret material (issue 18): before, a generated key showed "ko_" and 7,
-- and the bootstrap key its first 10 characters. Generated keys keep "ko_" and 4; any other key its first 4 (the
-- bootstrap key's row is rewritten from configuration at every start anyway).
UPDATE api_keys SET key_prefix = CASE
    WHEN key_prefix LIKE 'ko\_%' ESCAPE '\' THEN substr(key_prefix, 1, 7)
    ELSE substr(key_prefix, 1, 4)
END;
