-- A piece rate (计件) carries the employer's estimate of the minutes one piece takes, so its pay
-- per hour is known (pay per piece × 60 ÷ minutes): the wage-floor check, pay sorting, the
-- minimum-pay filter and the JobPosting baseSalary all use it. NULL: no estimate, no per-hour figure.
ALTER TABLE shifts ADD COLUMN minutes_per_piece INTEGER;
