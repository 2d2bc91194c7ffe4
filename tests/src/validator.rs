//! A solana-test-validator for the JSON-RPC suite: started on 127.0.0.1 with
//! a fresh ledger in a temp dir and the program loaded as an upgradeable
//! program at genesis; stopped by PID when the guard drops (also on panic).
//!
//! Run the suite inside a loopback-only network namespace (the validator
//! binds some ports to 0.0.0.0 whatever its flags say): `make test` does,
//! through `scripts/validator-tests.sh`.
//!
//! `AGENT_ESCROW_RPC_URL` set: no validator is started; that cluster is used
//! (e.g. the one `anchor test` starts, with the program already deployed).

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use agent_escrow_client::{pda::PROGRAM_ID, rpc::RpcTransport, transport::Transport};
use solana_commitment_config::CommitmentConfig;

/// The validator binary: `$AGENT_ESCROW_VALIDATOR`, else the one
/// `scripts/install-validator.sh` builds into the cache.
pub fn validator_binary() -> PathBuf {
    std::env::var_os("AGENT_ESCROW_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs_home().join(".cache/agent-escrow/validator/bin/solana-test-validator")
        })
}

fn dirs_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// A running validator (or an external cluster), stopped on drop.
pub struct Validator {
    child: Option<Child>,
    _ledger: Option<tempfile::TempDir>,
    pub url: String,
    /// From spawn to a confirmed blockhash (zero for an external cluster).
    pub startup: Duration,
}

impl Validator {
    /// Starts `solana-test-validator --reset` with the program at genesis and
    /// waits until RPC is healthy and a confirmed blockhash is available
    /// (or uses `$AGENT_ESCROW_RPC_URL`).
    pub async fn start() -> Self {
        if let Ok(url) = std::env::var("AGENT_ESCROW_RPC_URL") {
            return Self {
                child: None,
                _ledger: None,
                url,
                startup: Duration::ZERO,
            };
        }
        Self::spawn(true, 8899).await
    }

    /// A second, empty validator (no program at genesis) on `rpc_port`, for
    /// deploying through the upgradeable loader.
    pub async fn start_empty(rpc_port: u16) -> Self {
        Self::spawn(false, rpc_port).await
    }

    async fn spawn(with_program: bool, rpc_port: u16) -> Self {
        let binary = validator_binary();
        assert!(
            binary.exists(),
            "{} not found: run scripts/install-validator.sh (make test does)",
            binary.display()
        );
        let ledger = tempfile::tempdir().expect("ledger dir");
        let so = crate::program_so();
        let started = Instant::now();
        let faucet_port = (rpc_port + 1001).to_string();
        let dynamic = format!("{}-{}", rpc_port - 899, rpc_port - 799);
        let mut command = Command::new(&binary);
        command
            .args([
                "--reset",
                "--quiet",
                "--bind-address",
                "127.0.0.1",
                "--rpc-port",
                &rpc_port.to_string(),
            ])
            .args([
                "--faucet-port",
                &faucet_port,
                "--dynamic-port-range",
                &dynamic,
            ])
            .arg("--ledger")
            .arg(ledger.path());
        if with_program {
            command
                .arg("--upgradeable-program")
                .arg(PROGRAM_ID.to_string())
                .arg(&so)
                .arg("none");
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let url = format!("http://127.0.0.1:{rpc_port}");
        let mut validator = Self {
            child: Some(child),
            _ledger: Some(ledger),
            url,
            startup: Duration::ZERO,
        };
        let rpc = validator.rpc();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = validator
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "solana-test-validator exited during start-up: {status}\n{}",
                    validator.log_tail()
                );
            }
            if rpc.rpc().get_health().await.is_ok() && rpc.latest_blockhash().await.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "validator not healthy after 120 s\n{}",
                validator.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        validator.startup = started.elapsed();
        validator
    }

    /// The last lines of the validator's log (`<ledger>/validator.log`), for
    /// start-up failures.
    fn log_tail(&self) -> String {
        let Some(ledger) = &self._ledger else {
            return String::new();
        };
        let log = std::fs::read_to_string(ledger.path().join("validator.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// A transport at `confirmed` (finalized lags ~16 s on a fresh validator).
    pub fn rpc(&self) -> RpcTransport {
        RpcTransport::new(self.url.clone(), CommitmentConfig::confirmed())
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
