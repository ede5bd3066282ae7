//! Progress lines on stderr, so stdout carries only the report (or the child's result line).

pub fn log(msg: impl AsRef<str>) {
    eprintln!("[bench {}] {}", chrono::Local::now().format("%H:%M:%S"), msg.as_ref());
}
