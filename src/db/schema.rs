// One schema for both backends; the per-backend migrations create matching tables.

diesel::table! {
    users (id) {
        id -> BigInt,
        role -> Text,
        // None for someone registered at a station desk without a phone (until they claim it).
        phone -> Nullable<Text>,
        password_hash -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        disabled -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        scope_adcodes -> Text,
        station_id -> Nullable<BigInt>,
        desk_station_id -> Nullable<BigInt>,
        desk_managed -> Bool,
    }
}

diesel::table! {
    claim_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        station_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        tries_left -> Integer,
        ended_at -> Nullable<Timestamp>,
        ended_how -> Nullable<Text>,
    }
}

diesel::table! {
    station_digests (station_id, day) {
        station_id -> BigInt,
        day -> Text,
        shifts -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    consents (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        given -> Bool,
        wording -> Text,
        recorded_by -> Nullable<BigInt>,
        station_id -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    employers (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        kind -> Text,
        credit_code -> Nullable<Text>,
        contact_name -> Text,
        contact_phone -> Text,
        address -> Text,
        lat -> Double,
        lng -> Double,
        adcode -> Nullable<Text>,
        description -> Text,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        blocked -> Bool,
        blocked_reason -> Nullable<Text>,
        blocked_at -> Nullable<Timestamp>,
        checked_in_person -> Nullable<Text>,
    }
}

diesel::table! {
    workers (id) {
        id -> BigInt,
        user_id -> BigInt,
        display_name -> Text,
        skills -> Text,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        radius_km -> Double,
        expected_pay_fen -> Nullable<BigInt>,
        expected_pay_unit -> Nullable<Text>,
        id_number_masked -> Nullable<Text>,
        id_number_hash -> Nullable<Text>,
        key_groups -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        adcode -> Nullable<Text>,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        group_zh -> Text,
        keywords -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        ccdo_code -> Nullable<Text>,
        effective_from -> Nullable<Text>,
    }
}

diesel::table! {
    shifts (id) {
        id -> BigInt,
        employer_id -> BigInt,
        title -> Text,
        description -> Text,
        requirements -> Text,
        category_code -> Text,
        headcount -> Integer,
        address -> Text,
        lat -> Double,
        lng -> Double,
        adcode -> Nullable<Text>,
        pay_amount_fen -> BigInt,
        pay_unit -> Text,
        settlement -> Text,
        employment_type -> Text,
        take_mode -> Text,
        valid_through -> Timestamp,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        probation_days -> Integer,
        findings -> Text,
        risk -> Integer,
        rejection_code -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        hidden_by_reports -> Bool,
        minutes_per_piece -> Nullable<Integer>,
    }
}

diesel::table! {
    shift_slots (id) {
        id -> BigInt,
        shift_id -> BigInt,
        start_at -> Timestamp,
        end_at -> Timestamp,
    }
}

diesel::table! {
    availability (id) {
        id -> BigInt,
        worker_id -> BigInt,
        lat -> Double,
        lng -> Double,
        radius_km -> Double,
        adcode -> Nullable<Text>,
        categories -> Text,
        min_pay_fen -> Nullable<BigInt>,
        min_pay_unit -> Nullable<Text>,
        note -> Text,
        dated_windows -> Text,
        weekly_windows -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    search_changes (id) {
        id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        created_at -> Timestamp,
        txid -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> BigInt,
        action -> Text,
        target_type -> Text,
        target_id -> BigInt,
        reason -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        reporter_id -> Nullable<BigInt>,
        follow_token_hash -> Text,
        reporter_email -> Nullable<Text>,
        reporter_key -> Text,
        target_type -> Text,
        target_id -> BigInt,
        employer_id -> BigInt,
        kind -> Text,
        description -> Text,
        status -> Text,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        email_confirmed -> Bool,
        email_confirm_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Nullable<Text>,
        lang -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alert_subscriptions (id) {
        id -> BigInt,
        worker_id -> BigInt,
        source -> Text,
        availability_id -> Nullable<BigInt>,
        keywords -> Text,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        radius_km -> Nullable<Double>,
        categories -> Text,
        min_pay_fen -> Nullable<BigInt>,
        pay_unit -> Nullable<Text>,
        frequency -> Text,
        unsubscribe_token -> Text,
        active -> Bool,
        created_at -> Timestamp,
        last_digest_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alert_deliveries (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        shift_id -> BigInt,
        created_at -> Timestamp,
        sent_in_digest_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_cursors (name) {
        name -> Text,
        position -> BigInt,
    }
}

diesel::table! {
    engagements (id) {
        id -> BigInt,
        shift_id -> BigInt,
        worker_id -> BigInt,
        state -> Text,
        origin -> Text,
        slot_ids -> Text,
        note -> Text,
        waitlist_position -> Nullable<Integer>,
        contact_shared -> Bool,
        minutes_worked -> Nullable<Integer>,
        amount_fen -> Nullable<BigInt>,
        computed_amount_fen -> Nullable<BigInt>,
        due_at -> Nullable<Timestamp>,
        flags -> Text,
        late_cancel_by -> Nullable<Text>,
        arrears_report_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        paid_at -> Nullable<Timestamp>,
        by_station_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    engagement_events (id) {
        id -> BigInt,
        engagement_id -> BigInt,
        from_state -> Nullable<Text>,
        to_state -> Text,
        action -> Text,
        actor_user_id -> Nullable<BigInt>,
        actor_role -> Text,
        late_cancel -> Bool,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    attendance (id) {
        id -> BigInt,
        engagement_id -> BigInt,
        slot_id -> BigInt,
        check_in_at -> Timestamp,
        check_in_lat -> Nullable<Double>,
        check_in_lng -> Nullable<Double>,
        check_in_distance_m -> Nullable<BigInt>,
        check_out_at -> Nullable<Timestamp>,
        check_out_lat -> Nullable<Double>,
        check_out_lng -> Nullable<Double>,
        check_out_distance_m -> Nullable<BigInt>,
        flags -> Text,
        confirmed_by -> Nullable<BigInt>,
        corrected_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ratings (id) {
        id -> BigInt,
        engagement_id -> BigInt,
        rater_user_id -> BigInt,
        rater_role -> Text,
        ratee_user_id -> BigInt,
        score -> Integer,
        comment -> Nullable<Text>,
        hidden -> Bool,
        hidden_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_tokens (id) {
        id -> BigInt,
        worker_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, idem_key) {
        scope -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

// 共享用工 (labour sharing): surplus and shortage posts, and the agreements staff broker.
diesel::table! {
    sharing_posts (id) {
        id -> BigInt,
        employer_id -> BigInt,
        side -> Text,
        categories -> Text,
        headcount -> Integer,
        start_date -> Text,
        end_date -> Text,
        address -> Text,
        lat -> Double,
        lng -> Double,
        adcode -> Text,
        note -> Text,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sharing_agreements (id) {
        id -> BigInt,
        surplus_post_id -> BigInt,
        shortage_post_id -> BigInt,
        lender_id -> BigInt,
        borrower_id -> BigInt,
        categories -> Text,
        headcount -> Integer,
        start_date -> Text,
        end_date -> Text,
        address -> Text,
        lat -> Double,
        lng -> Double,
        adcode -> Text,
        wages_paid_by -> Text,
        social_insurance_paid_by -> Text,
        injury_responsibility -> Text,
        injury_note -> Text,
        consenting_workers -> Integer,
        consent_note -> Text,
        terms -> Text,
        state -> Text,
        lender_agreed_at -> Nullable<Timestamp>,
        borrower_agreed_at -> Nullable<Timestamp>,
        proposed_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(employers -> users (user_id));
diesel::joinable!(workers -> users (user_id));
diesel::joinable!(shifts -> employers (employer_id));
diesel::joinable!(shift_slots -> shifts (shift_id));
diesel::joinable!(availability -> workers (worker_id));
diesel::joinable!(alert_subscriptions -> workers (worker_id));
diesel::joinable!(alert_deliveries -> alert_subscriptions (subscription_id));
diesel::joinable!(alert_deliveries -> shifts (shift_id));

diesel::joinable!(engagements -> shifts (shift_id));
diesel::joinable!(engagements -> workers (worker_id));
diesel::joinable!(engagement_events -> engagements (engagement_id));
diesel::joinable!(attendance -> engagements (engagement_id));
diesel::joinable!(ratings -> engagements (engagement_id));
diesel::joinable!(calendar_tokens -> workers (worker_id));

diesel::table! {
    shift_point_edits (id) {
        id -> BigInt,
        shift_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(shift_point_edits -> shifts (shift_id));

diesel::table! {
    inbox (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(inbox -> users (user_id));

diesel::table! {
    stations (id) {
        id -> BigInt,
        name -> Text,
        address -> Text,
        lat -> Double,
        lng -> Double,
        adcode -> Text,
        counties -> Text,
        radius_km -> Double,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    synonyms (id) {
        id -> BigInt,
        words -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> stations (station_id));

diesel::table! {
    events (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        kind -> Text,
        status -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        address -> Nullable<Text>,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        adcode -> Text,
        online_url -> Nullable<Text>,
        organiser -> Text,
        target_groups -> Text,
        categories -> Text,
        checkin_secret -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    event_employers (event_id, employer_id) {
        event_id -> BigInt,
        employer_id -> BigInt,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    event_shifts (event_id, shift_id) {
        event_id -> BigInt,
        shift_id -> BigInt,
        employer_id -> BigInt,
        attached_at -> Timestamp,
    }
}

diesel::table! {
    event_interests (event_id, worker_id) {
        event_id -> BigInt,
        worker_id -> BigInt,
        created_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_checkins (event_id, worker_id) {
        event_id -> BigInt,
        worker_id -> BigInt,
        checked_in_at -> Timestamp,
        by_user_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(event_employers -> events (event_id));
diesel::joinable!(event_shifts -> events (event_id));
diesel::joinable!(event_shifts -> shifts (shift_id));
diesel::joinable!(event_interests -> events (event_id));
diesel::joinable!(event_interests -> workers (worker_id));
diesel::joinable!(event_checkins -> events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    auth_tokens,
    employers,
    workers,
    categories,
    shifts,
    shift_slots,
    availability,
    search_changes,
    audit_log,
    reports,
    outbox,
    alert_subscriptions,
    alert_deliveries,
    job_cursors,
    engagements,
    engagement_events,
    attendance,
    ratings,
    calendar_tokens,
    idempotency_keys,
    shift_point_edits,
    inbox,
    stations,
    claim_codes,
    consents,
    station_digests,
    synonyms,
    events,
    event_employers,
    event_shifts,
    event_interests,
    event_checkins,
    sharing_posts,
    sharing_agreements,
);
