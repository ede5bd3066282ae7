//! Staff accounts made as an admin makes them (`lingong admin create-user`: staff never
//! self-register), written to a test's own database. Shared by the API, browser and fault tests.

/// The password of every staff account a test makes.
pub const PASSWORD: &str = "staff-passphrase";

/// Creates a staff account with `role` (moderator, station_staff or admin) and `phone` in the
/// database at `db_url`, through the same service function the CLI uses.
pub async fn create(db_url: &str, role: &str, phone: &str) {
    let user = lingong::services::accounts::NewUser::parse(
        Some(role),
        Some(phone),
        Some(PASSWORD),
        Some("工作人员"),
        None,
        &[lingong::domain::Role::Moderator, lingong::domain::Role::StationStaff, lingong::domain::Role::Admin],
    )
    .expect("valid staff");
    let db = lingong::db::Db::connect(db_url, 1, std::time::Duration::from_secs(5)).unwrap();
    tokio::task::spawn_blocking(move || {
        let hash = lingong::auth::password::hash(PASSWORD);
        let mut conn = db.get().unwrap();
        lingong::db::write_transaction(&mut conn, |c| lingong::services::accounts::create_user(c, &user, &hash, None)).unwrap();
    })
    .await
    .unwrap();
}
