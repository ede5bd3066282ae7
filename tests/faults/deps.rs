//! The dependencies a fault test breaks: its own `redis-server`, its own PostgreSQL cluster, and
//! real `lingong` processes. Each lives in a temporary folder on a free port and is stopped when
//! dropped. Missing server binaries fail the test, saying what to install.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what} did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
}

pub struct Redis {
    port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Redis {
    pub fn start(port: u16) -> Redis {
        let mut r = Redis { port, child: None, dir: tempfile::tempdir().unwrap() };
        r.start_again();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts `redis-server` on this port (again).
    pub fn start_again(&mut self) {
        let bin = find_in_path("redis-server")
            .unwrap_or_else(|| panic!("the fault tests need redis-server on PATH (Debian/Ubuntu: apt-get install redis-server); it is not there"));
        let child = Command::new(bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server");
    }

    /// SIGKILL: no goodbye to its clients.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL cluster of the test's own. `initdb` refuses to run as root, so as root it runs as
/// the `postgres` account (`runuser`), in a folder handed to that account.
pub struct Postgres {
    port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    as_user: Option<String>,
}

fn postgres_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file()).collect())
        .unwrap_or_default();
    found.sort_by_key(|p| p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0));
    found.pop().unwrap_or_else(|| {
        panic!("the fault tests need the PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin (Debian/Ubuntu: apt-get install postgresql); none found")
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Postgres {
    pub fn start(port: u16) -> Postgres {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new().prefix("lingong-faults-pg-").tempdir().unwrap();
        let as_user = is_root().then(|| "postgres".to_string());
        if let Some(user) = &as_user {
            let ok = Command::new("chown").arg("-R").arg(format!("{user}:")).arg(dir.path()).status().is_ok_and(|s| s.success());
            assert!(ok, "running as root: cannot hand {} to the `{user}` account (is there one? the postgresql package makes it)", dir.path().display());
        }
        let pg = Postgres { port, bin, dir, as_user };
        let data = pg.data();
        let out = pg
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"])
            .output()
            .expect("run initdb");
        assert!(out.status.success(), "initdb failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        pg.start_again();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start_again(&self) {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60", self.port, self.dir.path().display());
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-o", &opts, "-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .output()
            .expect("run pg_ctl start");
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        assert!(out.status.success(), "pg_ctl start failed: {}\n{log}", String::from_utf8_lossy(&out.stderr));
        wait_for_port(self.port, "PostgreSQL");
    }

    /// An immediate stop: connections are cut, as in a crash.
    pub fn stop(&self) {
        let _ = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A real `lingong serve` process.
pub struct Replica {
    child: Child,
    port: u16,
}

impl Replica {
    pub fn start(database_url: &str, index_dir: &Path) -> Replica {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_lingong"))
            .arg("serve")
            .env("LINGONG_DATABASE__URL", database_url)
            .env("LINGONG_DATABASE__POOL_SIZE", "4")
            .env("LINGONG_REDIS__URL", "")
            .env("LINGONG_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("LINGONG_SERVER__WORKERS", "2")
            .env("LINGONG_SEARCH__INDEX_DIR", index_dir)
            .env("LINGONG_MAIL__TRANSPORT", "memory")
            .env("LINGONG_RATE_LIMIT__AUTH_REQUESTS", "100000")
            .env("LINGONG_LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start lingong");
        Replica { child, port }
    }

    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn wait_ready(&self, http: &reqwest::Client) {
        let started = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.addr())).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "replica on port {} not ready", self.port);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: nothing runs on the way out, so its index folder stays behind.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The index folders under `dir`, each with the pid written in its lock file.
pub fn index_folders(dir: &Path) -> Vec<(PathBuf, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("lingong-index-"))
        .map(|e| {
            let pid = std::fs::read_to_string(e.path().join("owner.lock")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
            (e.path(), pid)
        })
        .collect()
}
