//! Browser tests of the mobile web client (issue 11): the real application on port 0 with a
//! fresh database (as tests/api), headless Chromium at phone size (360×740, zh-CN) driven over
//! WebDriver by a chromedriver of each test's own. Every page a test visits is screenshot into
//! `target/screenshots/<test>/` (or `LINGONG_SCREENSHOTS_DIR`) and checked: no console errors,
//! no serious or critical axe-core violation, the phone layout rules, and the same again with
//! JavaScript off.
//!
//! Needs the Debian packages chromium, chromium-driver and fonts-noto-cjk (scripts/test.sh
//! installs them); without them these tests fail saying so, they are never skipped.

#[path = "../api/bodies.rs"]
#[allow(dead_code)]
mod bodies;
#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../api/staff_account.rs"]
mod staff_account;

mod browser;
mod checks;
mod fixtures;

mod account;
mod console;
mod devtools;
mod employer;
mod events;

mod home;
mod pages;
mod programme;
mod shift;
mod station;
mod worker;
