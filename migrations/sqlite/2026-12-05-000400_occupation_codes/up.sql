-- Occupations carry their code in 中华人民共和国职业分类大典（2022年版）where one exists
-- (`4-02-07-10`: 大类-中类-小类-细类), and the date a 新职业 takes effect.
ALTER TABLE categories ADD COLUMN ccdo_code TEXT;
-- The date as ISO 8601 text (`2026-12-05`), as the other backend-neutral columns are kept.
ALTER TABLE categories ADD COLUMN effective_from TEXT;

-- Codes curated by hand from 职业分类大典（2022年版）, only where the seeded category is one
-- occupation of the 大典 (the national 职业技能标准 of each carries the same code). The other
-- seeded categories span several occupations or their code was not certain: left NULL.
UPDATE categories SET ccdo_code = '4-02-07-10' WHERE code = 'delivery';      -- 网约配送员
UPDATE categories SET ccdo_code = '4-10-01-05' WHERE code = 'elderly_care';  -- 养老护理员
UPDATE categories SET ccdo_code = '4-10-01-06' WHERE code = 'housekeeping';  -- 家政服务员
UPDATE categories SET ccdo_code = '4-10-01-02' WHERE code = 'childcare';     -- 育婴员
UPDATE categories SET ccdo_code = '4-07-05-01' WHERE code = 'security';      -- 保安员
