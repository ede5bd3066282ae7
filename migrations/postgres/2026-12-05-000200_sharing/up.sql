-- 共享用工 (labour sharing between enterprises, 人社厅发〔2020〕98号). An enterprise with idle staff
-- posts a surplus, one short of staff a shortage; staff of the district broker a match into an
-- agreement. The lending enterprise keeps the labour relation and pays wages and social insurance,
-- so neither table has any column for a fee or price: sharing staff for profit is not offered.
CREATE TABLE sharing_posts (
    id BIGSERIAL PRIMARY KEY,
    employer_id BIGINT NOT NULL REFERENCES employers(id),
    -- 'surplus' (余: staff to lend) or 'shortage' (缺: staff needed).
    side TEXT NOT NULL,
    -- Category codes (JSON list).
    categories TEXT NOT NULL,
    headcount INTEGER NOT NULL,
    -- Local dates, YYYY-MM-DD, both included.
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    adcode TEXT NOT NULL,
    note TEXT NOT NULL,
    -- 'open' or 'withdrawn'.
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sharing_posts_employer ON sharing_posts(employer_id);
CREATE INDEX sharing_posts_open ON sharing_posts(side, status, end_date);

CREATE TABLE sharing_agreements (
    id BIGSERIAL PRIMARY KEY,
    surplus_post_id BIGINT NOT NULL REFERENCES sharing_posts(id),
    shortage_post_id BIGINT NOT NULL REFERENCES sharing_posts(id),
    -- The lending enterprise (the surplus post's) and the borrowing one (the shortage post's).
    lender_id BIGINT NOT NULL REFERENCES employers(id),
    borrower_id BIGINT NOT NULL REFERENCES employers(id),
    categories TEXT NOT NULL,
    headcount INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    -- Where the shared staff work: the shortage post's place.
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    adcode TEXT NOT NULL,
    -- Fixed by policy to 'lender'; kept on the record so it reads whole on its own.
    wages_paid_by TEXT NOT NULL,
    social_insurance_paid_by TEXT NOT NULL,
    -- 'lender' unless the two agreed otherwise ('borrower' or 'shared', with injury_note).
    injury_responsibility TEXT NOT NULL,
    injury_note TEXT NOT NULL,
    -- Workers whose written consent the proposing staff member saw, and where it is kept.
    consenting_workers INTEGER NOT NULL,
    consent_note TEXT NOT NULL,
    terms TEXT NOT NULL,
    -- proposed, agreed, running, ended, cancelled.
    state TEXT NOT NULL,
    lender_agreed_at TIMESTAMP,
    borrower_agreed_at TIMESTAMP,
    proposed_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT
);
CREATE INDEX sharing_agreements_lender ON sharing_agreements(lender_id);
CREATE INDEX sharing_agreements_borrower ON sharing_agreements(borrower_id);
CREATE INDEX sharing_agreements_surplus ON sharing_agreements(surplus_post_id);
CREATE INDEX sharing_agreements_shortage ON sharing_agreements(shortage_post_id);
