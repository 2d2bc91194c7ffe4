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
    /// waits until RPC is healthy and a confirmed blockhash is available.
    pub async fn start() -> Self {
        if let Ok(url) = std::env::var("AGENT_ESCROW_RPC_URL") {
            return Self {
                child: None,
                _ledger: None,
                url,
                startup: Duration::ZERO,
            };
        }
        let binary = validator_binary();
        assert!(
            binary.exists(),
            "{} not found: run scripts/install-validator.sh (make test does)",
            binary.display()
        );
        let ledger = tempfile::tempdir().expect("ledger dir");
        let so = crate::program_so();
        let started = Instant::now();
        let child = Command::new(&binary)
            .args([
                "--reset",
                "--quiet",
                "--bind-address",
                "127.0.0.1",
                "--rpc-port",
                "8899",
            ])
            .args(["--faucet-port", "9900", "--dynamic-port-range", "8000-8100"])
            .arg("--ledger")
            .arg(ledger.path())
            .arg("--upgradeable-program")
            .arg(PROGRAM_ID.to_string())
            .arg(&so)
            .arg("none")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut validator = Self {
            child: Some(child),
            _ledger: Some(ledger),
            url: "http://127.0.0.1:8899".into(),
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
                panic!("solana-test-validator exited during start-up: {status}");
            }
            if rpc.rpc().get_health().await.is_ok() && rpc.latest_blockhash().await.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "validator not healthy after 120 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        validator.startup = started.elapsed();
        validator
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
