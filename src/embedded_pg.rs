//! The embedded default database: with no `DATABASE_URL`, whatsflow runs a
//! private PostgreSQL cluster from the machine's own PostgreSQL binaries under
//! its data directory. First run: `initdb`. Every run: start on a free
//! loopback port, password-authenticated. A cluster left running by a killed
//! server is stopped and started again (Postgres recovers from its WAL).
//! `initdb` refuses to run as root, so as root the cluster runs as the
//! unprivileged `postgres` system user.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

/// The superuser the cluster is initialised with.
pub const SUPERUSER: &str = "whatsflow";

/// How long to wait for the cluster to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "120";

/// Why the embedded cluster could not run; each names the fix.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    /// No PostgreSQL binaries.
    #[error("PostgreSQL server binaries not found (looked for initdb and pg_ctl on PATH, in `pg_config --bindir` and /usr/lib/postgresql/*/bin). Install them (Debian: `apt-get install postgresql`) or set DATABASE_URL to an existing server")]
    NoBinaries,
    /// Running as root without a `postgres` user to run the cluster as.
    #[error("running as root, and initdb refuses to run as root; create the `postgres` system user (Debian's postgresql package does) or run whatsflow as an ordinary user")]
    NoPostgresUser,
    /// A command failed.
    #[error("{what} failed: {detail}")]
    Command {
        /// Which step.
        what: String,
        /// Its output.
        detail: String,
    },
    /// File system trouble.
    #[error("{0}")]
    Io(String),
}

/// Options for a cluster (tests turn durability off for speed).
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// `max_connections`.
    pub max_connections: u32,
    /// Extra `-c name=value` settings.
    pub settings: Vec<(String, String)>,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self { max_connections: 200, settings: Vec::new() }
    }
}

/// A running embedded cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedPostgres {
    cluster_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    run_as: Option<String>,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file() && d.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if initdb.is_file() {
                if let Some(real) = std::fs::canonicalize(&initdb).ok().and_then(|p| p.parent().map(Path::to_path_buf)) {
                    if has_tools(&real) {
                        return Some(real);
                    }
                }
                if has_tools(&dir) {
                    return Some(dir);
                }
            }
        }
    }
    if let Ok(out) = std::process::Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path().join("bin")).filter(|p| has_tools(p)).collect())
        .unwrap_or_default();
    candidates.sort();
    candidates.pop()
}

fn free_port() -> Result<u16, EmbeddedPgError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| EmbeddedPgError::Io(format!("no free port: {e}")))?;
    l.local_addr().map(|a| a.port()).map_err(|e| EmbeddedPgError::Io(e.to_string()))
}

fn random_password() -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

impl EmbeddedPostgres {
    /// Initialises (first run) and starts the cluster under `root`.
    pub async fn start(root: &Path, opts: &EmbeddedOptions) -> Result<Self, EmbeddedPgError> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedPgError::NoBinaries)?;
        let run_as = if is_root() {
            let ok = std::process::Command::new("id")
                .arg("postgres")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err(EmbeddedPgError::NoPostgresUser);
            }
            Some("postgres".to_owned())
        } else {
            None
        };
        std::fs::create_dir_all(root).map_err(|e| EmbeddedPgError::Io(format!("cannot create {}: {e}", root.display())))?;
        let root = std::fs::canonicalize(root).map_err(|e| EmbeddedPgError::Io(e.to_string()))?;
        let cluster_dir = root.join("postgres");
        let password_file = root.join("postgres.password");
        let mut pg = Self { cluster_dir, bin_dir, port: 0, password: String::new(), run_as };
        if !pg.cluster_dir.join("PG_VERSION").is_file() {
            pg.init(&root, &password_file).await?;
        }
        pg.password = std::fs::read_to_string(&password_file)
            .map_err(|e| EmbeddedPgError::Io(format!("cannot read {}: {e}", password_file.display())))?
            .trim()
            .to_owned();
        if pg.is_running().await {
            tracing::warn!(dir = %pg.cluster_dir.display(), "embedded Postgres was left running (server killed?); restarting it");
            pg.pg_ctl(&["stop", "-m", "fast", "-w", "-t", PG_CTL_TIMEOUT_SECS]).await?;
        }
        pg.port = free_port()?;
        let mut settings = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections={}",
            pg.port, opts.max_connections
        );
        for (k, v) in &opts.settings {
            settings.push_str(&format!(" -c {k}={v}"));
        }
        let log = pg.cluster_dir.join("server.log");
        let log = log.to_string_lossy().into_owned();
        pg.pg_ctl(&["start", "-w", "-t", PG_CTL_TIMEOUT_SECS, "-l", &log, "-o", &settings]).await?;
        tracing::info!(port = pg.port, dir = %pg.cluster_dir.display(), "embedded Postgres started");
        Ok(pg)
    }

    async fn init(&self, root: &Path, password_file: &Path) -> Result<(), EmbeddedPgError> {
        let io = |e: std::io::Error| EmbeddedPgError::Io(e.to_string());
        let password = random_password();
        std::fs::create_dir_all(&self.cluster_dir).map_err(io)?;
        let pwfile = root.join(".initdb-pw");
        std::fs::write(&pwfile, &password).map_err(io)?;
        std::fs::write(password_file, &password).map_err(io)?;
        set_mode(password_file, 0o600)?;
        set_mode(&self.cluster_dir, 0o700)?;
        if let Some(user) = &self.run_as {
            // The postgres user must reach the cluster through every parent.
            set_mode(root, 0o711)?;
            for p in [&self.cluster_dir, &pwfile.to_path_buf()] {
                chown(p, user).await?;
            }
            let reach = Command::new("runuser").args(["-u", user, "--", "test", "-w"]).arg(&self.cluster_dir).status().await;
            if !reach.is_ok_and(|s| s.success()) {
                let _ = std::fs::remove_file(&pwfile);
                return Err(EmbeddedPgError::Io(format!(
                    "the `postgres` user cannot reach {}: a parent directory is closed to other users. Set WHATSFLOW_DATA_DIR to a directory under /tmp or /var/lib, or set DATABASE_URL",
                    self.cluster_dir.display()
                )));
            }
        }
        let args: Vec<String> = vec![
            "-D".into(),
            self.cluster_dir.to_string_lossy().into_owned(),
            "-U".into(),
            SUPERUSER.into(),
            format!("--pwfile={}", pwfile.display()),
            "--auth-host=scram-sha-256".into(),
            "--auth-local=scram-sha-256".into(),
            "-E".into(),
            "UTF8".into(),
            "--locale=C".into(),
        ];
        let res = self.run("initdb", &args).await;
        let _ = std::fs::remove_file(&pwfile);
        res.map(|_| ())
    }

    async fn is_running(&self) -> bool {
        let dir = self.cluster_dir.to_string_lossy().into_owned();
        self.run("pg_ctl", &["status".into(), "-D".into(), dir]).await.is_ok()
    }

    async fn pg_ctl(&self, args: &[&str]) -> Result<String, EmbeddedPgError> {
        let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        all.push("-D".into());
        all.push(self.cluster_dir.to_string_lossy().into_owned());
        self.run("pg_ctl", &all).await
    }

    async fn run(&self, tool: &str, args: &[String]) -> Result<String, EmbeddedPgError> {
        let exe = self.bin_dir.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd
            .args(args)
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| EmbeddedPgError::Command { what: tool.into(), detail: e.to_string() })?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(text)
        } else {
            Err(EmbeddedPgError::Command { what: format!("{tool} {}", args.first().map(String::as_str).unwrap_or("")), detail: text })
        }
    }

    /// A connection URL for `database` as the cluster superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where its Postgres binaries are (the bench runs `pgbench` from there).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// Stops the cluster (fast shutdown: sessions end, data is flushed).
    pub async fn stop(&self) -> Result<(), EmbeddedPgError> {
        self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", PG_CTL_TIMEOUT_SECS]).await.map(|_| ())
    }
}

fn set_mode(p: &Path, mode: u32) -> Result<(), EmbeddedPgError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| EmbeddedPgError::Io(format!("chmod {}: {e}", p.display())))
}

async fn chown(p: &Path, user: &str) -> Result<(), EmbeddedPgError> {
    let st = Command::new("chown").arg("-R").arg(format!("{user}:")).arg(p).status().await;
    if st.is_ok_and(|s| s.success()) {
        Ok(())
    } else {
        Err(EmbeddedPgError::Io(format!("chown {} to {user} failed", p.display())))
    }
}
