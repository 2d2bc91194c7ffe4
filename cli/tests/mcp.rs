//! `agent-escrow mcp` driven by two MCP clients nobody here wrote: rmcp's
//! client (the official Rust SDK) over a child process, running the seed
//! scenario (research -> writing -> review with depends_on) end to end on
//! the embedded chain; and the official MCP inspector's CLI mode (npm
//! `@modelcontextprotocol/inspector`, installed by scripts/setup.sh into
//! ~/.cache/agent-escrow/npm with the Node 22 it needs).

use std::collections::BTreeSet;

use rmcp::{
    model::{CallToolRequestParams, CallToolResult},
    object,
    service::RunningService,
    transport::{ConfigureCommandExt, TokioChildProcess},
    RoleClient, ServiceExt,
};
use serde_json::Value;

mod support;
use support::*;

/// An MCP client session with `agent-escrow -k KEY mcp --policy POLICY` on
/// this test's embedded chain.
async fn connect(e: &Env, key: &Key, policy: &str) -> RunningService<RoleClient, ()> {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow")).configure(|c| {
        c.args(["-u", "embedded", "-k", &key.path, "mcp", "--policy", policy])
            .env("AGENT_ESCROW_STATE", e.path("state.json"))
            .env_remove("AGENT_ESCROW_SO")
            .current_dir(e.dir.path());
    });
    ().serve(TokioChildProcess::new(command).expect("spawn the MCP server"))
        .await
        .expect("MCP initialize")
}

async fn tools(client: &RunningService<RoleClient, ()>) -> BTreeSet<String> {
    client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: serde_json::Map<String, Value>,
) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// A successful call's structured content.
#[track_caller]
fn ok(result: CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{result:?}");
    result.structured_content.expect("structured content")
}

/// A refused call's error document (`{"error": {...}}`).
#[track_caller]
fn refused(result: CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    result.structured_content.expect("structured error")["error"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_client_runs_the_seed_pipeline() {
    let w = world();
    let e = &w.env;
    let researcher = &w.provider;
    let writer = e.key("writer");
    let reviewer = e.key("reviewer");

    let agent = connect(e, &w.agent, &w.policy).await;
    // The agent's server offers the agent's actions, never the owner's.
    assert_eq!(
        tools(&agent).await,
        [
            "budget_status",
            "escrow_create",
            "escrow_dispute",
            "escrow_list",
            "escrow_status",
            "history"
        ]
        .map(String::from)
        .into()
    );
    let listed = agent.list_all_tools().await.unwrap();
    let create = listed.iter().find(|t| t.name == "escrow_create").unwrap();
    let schema = serde_json::to_value(&create.input_schema).unwrap();
    assert!(
        schema["properties"]["amount"]["description"]
            .as_str()
            .unwrap()
            .contains("at most 6 decimals"),
        "{schema}"
    );
    assert_eq!(
        schema["required"],
        serde_json::json!(["provider", "amount", "deadline"]),
        "{schema}"
    );

    // research -> writing -> review, all opened up front.
    let research = ok(call(
        &agent,
        "escrow_create",
        object!({ "provider": researcher.pubkey, "amount": "20", "task": "Survey 40 papers", "deadline": "24h" }),
    )
    .await);
    assert_eq!(research["escrowId"], "0");
    assert_eq!(research["events"][0]["name"], "EscrowCreated");
    let research = research["escrow"].as_str().unwrap().to_string();
    let writing = ok(call(
        &agent,
        "escrow_create",
        object!({ "provider": writer.pubkey, "amount": "25", "task": "Write the review", "deadline": "48h", "depends_on": research }),
    )
    .await)["escrow"]
        .as_str()
        .unwrap()
        .to_string();
    let review = ok(call(
        &agent,
        "escrow_create",
        object!({ "provider": reviewer.pubkey, "amount": "10", "task": "Review it", "deadline": "72h", "depends_on": writing }),
    )
    .await)["escrow"]
        .as_str()
        .unwrap()
        .to_string();
    let budget = ok(call(&agent, "budget_status", object!({})).await);
    assert_eq!(n(&budget["locked"]), Some(55 * USDC));
    assert_eq!(n(&budget["remaining24h"]), Some(245 * USDC));

    // Each provider delivers through its own server, in pipeline order.
    for (key, escrow, amount) in [
        (researcher, &research, 20),
        (&writer, &writing, 25),
        (&reviewer, &review, 10),
    ] {
        let provider = connect(e, key, &w.policy).await;
        assert_eq!(
            tools(&provider).await,
            [
                "escrow_list",
                "escrow_status",
                "escrow_submit_proof",
                "history"
            ]
            .map(String::from)
            .into()
        );
        let mine = ok(call(&provider, "escrow_list", object!({})).await);
        assert_eq!(mine["escrows"][0]["escrow"], escrow.as_str(), "{mine}");
        let proof = ok(call(
            &provider,
            "escrow_submit_proof",
            object!({ "escrow": escrow, "content": format!("deliverable for {escrow}") }),
        )
        .await);
        assert_eq!(proof["released"], true, "{proof}");
        let released = proof["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|ev| ev["name"] == "EscrowReleased")
            .unwrap_or_else(|| panic!("{proof}"));
        assert_eq!(n(&released["amount"]), Some(amount * USDC));
        assert_eq!(w.balance(&key.pubkey), amount * USDC);
        provider.cancel().await.unwrap();
    }

    let budget = ok(call(&agent, "budget_status", object!({})).await);
    assert_eq!(
        (
            n(&budget["vaultBalance"]),
            n(&budget["locked"]),
            n(&budget["spent24h"])
        ),
        (Some(445 * USDC), Some(0), Some(55 * USDC))
    );
    let trail = ok(call(&agent, "history", object!({})).await);
    let names: Vec<&str> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ev| ev["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "EscrowReleased").count(),
        3,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "EscrowCreated").count(),
        3,
        "{names:?}"
    );

    // Bad input: a tool error naming the argument and the bound; nothing moves.
    let before = w.policy_json();
    let missing = call(
        &agent,
        "escrow_create",
        object!({ "provider": researcher.pubkey, "deadline": "1h", "task": "t" }),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    assert!(format!("{missing:?}").contains("amount"), "{missing:?}");
    let decimals = refused(
        call(
            &agent,
            "escrow_create",
            object!({ "provider": researcher.pubkey, "amount": "1.0000001", "task": "t", "deadline": "1h" }),
        )
        .await,
    );
    assert_eq!(decimals["field"], "amount");
    assert!(
        decimals["message"]
            .as_str()
            .unwrap()
            .contains("has 7 decimal places; this mint allows at most 6"),
        "{decimals}"
    );
    let not_a_key = refused(
        call(
            &agent,
            "escrow_create",
            object!({ "provider": "bob", "amount": "1", "task": "t", "deadline": "1h" }),
        )
        .await,
    );
    assert_eq!(not_a_key["field"], "provider");
    assert!(
        not_a_key["message"]
            .as_str()
            .unwrap()
            .contains("'bob' is not a public key"),
        "{not_a_key}"
    );
    let over_cap = refused(
        call(
            &agent,
            "escrow_create",
            object!({ "provider": researcher.pubkey, "amount": "150", "task": "t", "deadline": "1h" }),
        )
        .await,
    );
    assert_eq!(
        (
            &over_cap["name"],
            &over_cap["code"],
            &over_cap["field"],
            &over_cap["preflight"]
        ),
        (
            &Value::from("PerEscrowCapExceeded"),
            &Value::from(6007),
            &Value::from("amount"),
            &Value::from(true)
        ),
        "{over_cap}"
    );
    assert!(
        over_cap["message"]
            .as_str()
            .unwrap()
            .contains("per-escrow cap of 100 USDC; give at most 100"),
        "{over_cap}"
    );
    let no_unit = refused(
        call(
            &agent,
            "escrow_create",
            object!({ "provider": researcher.pubkey, "amount": "1", "task": "t", "deadline": "24" }),
        )
        .await,
    );
    assert_eq!(no_unit["field"], "deadline");
    // A call this key may not make: the agent's server has no proof tool.
    let forbidden = agent
        .call_tool(
            CallToolRequestParams::new("escrow_submit_proof")
                .with_arguments(object!({ "escrow": review, "content": "x" })),
        )
        .await;
    match forbidden {
        Err(_) => {}
        Ok(result) => assert_eq!(result.is_error, Some(true), "{result:?}"),
    }
    let after = w.policy_json();
    assert_eq!(
        (
            n(&after["locked"]),
            n(&after["vaultBalance"]),
            n(&after["nextEscrowId"])
        ),
        (
            n(&before["locked"]),
            n(&before["vaultBalance"]),
            n(&before["nextEscrowId"])
        )
    );

    // The owner's server: owner actions, no escrow_create.
    let owner = connect(e, &w.owner, &w.policy).await;
    let owner_tools = tools(&owner).await;
    assert!(owner_tools.contains("escrow_approve") && owner_tools.contains("policy_pause"));
    assert!(!owner_tools.contains("escrow_create"));
    // The policy as a resource.
    let resources = owner.list_all_resources().await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(
        resources[0].uri,
        format!("agent-escrow://policy/{}", w.policy)
    );
    owner.cancel().await.unwrap();
    agent.cancel().await.unwrap();
}

/// The MCP inspector's CLI, from the project's cache.
fn inspector() -> std::path::PathBuf {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap();
    let bin = home.join(".cache/agent-escrow/npm/node_modules/.bin");
    assert!(
        bin.join("mcp-inspector").exists(),
        "{} missing: run scripts/setup.sh (make test does)",
        bin.join("mcp-inspector").display()
    );
    bin
}

#[test]
fn the_official_inspector_lists_and_calls_the_tools() {
    let w = world();
    let e = &w.env;
    let bin = inspector();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let state = e.path("state.json");
    let run = |key: &Key, method: &[&str]| {
        let out = std::process::Command::new(bin.join("mcp-inspector"))
            .arg("--cli")
            .arg(env!("CARGO_BIN_EXE_agent-escrow"))
            .args(["-u", "embedded", "--embedded-state", &state])
            .args(["-k", &key.path, "mcp", "--policy", &w.policy])
            .args(["--format", "json", "-q"])
            .args(method)
            .env("PATH", &path)
            // The inspector keeps its own files under $HOME.
            .env("HOME", e.dir.path())
            .current_dir(e.dir.path())
            .output()
            .expect("run the MCP inspector");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let value: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (
            out.status.code(),
            value,
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, listed, stderr) = run(&w.agent, &["--method", "tools/list"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: BTreeSet<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed} {stderr}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains("escrow_create") && !names.contains("escrow_approve"));
    let args = format!(
        r#"{{"provider":"{}","amount":"12.5","task":"inspected","deadline":"24h"}}"#,
        w.provider.pubkey
    );
    let (code, created, stderr) = run(
        &w.agent,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "escrow_create",
            "--tool-args-json",
            &args,
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let created = &created["result"]["structuredContent"];
    assert_eq!(created["amount"]["uiAmountString"], "12.5", "{created}");
    assert_eq!(created["escrowId"], "0");
    assert_eq!(w.count(), 1, "the escrow exists on the chain");
    // A refused call: the inspector's tool-error exit code (5) and the
    // error document, with nothing created.
    let args = format!(
        r#"{{"provider":"{}","amount":"150","task":"too much","deadline":"24h"}}"#,
        w.provider.pubkey
    );
    let (code, refused, _) = run(
        &w.agent,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "escrow_create",
            "--tool-args-json",
            &args,
        ],
    );
    assert_eq!(code, Some(5));
    assert_eq!(
        refused["result"]["structuredContent"]["error"]["name"], "PerEscrowCapExceeded",
        "{refused}"
    );
    assert_eq!(w.count(), 1);
    let (code, budget, stderr) = run(
        &w.agent,
        &["--method", "tools/call", "--tool-name", "budget_status"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        budget["result"]["structuredContent"]["locked"]["amount"],
        "12500000"
    );
    // The provider's server, through the inspector: its escrows, its proof.
    let (code, listed, stderr) = run(&w.provider, &["--method", "tools/list"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: BTreeSet<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains("escrow_submit_proof") && !names.contains("escrow_create"));
}

/// The README's `mcpServers` block, as written: its command and arguments
/// (only `POLICY` and the file paths substituted) start a working server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_config_starts_the_server() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let block = readme
        .split("<!-- mcp-config -->")
        .nth(1)
        .and_then(|rest| rest.split("```json").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README's mcp-config block");
    let config: Value = serde_json::from_str(block).unwrap();
    let server = &config["mcpServers"]["agent-escrow"];
    assert_eq!(server["command"], "agent-escrow");
    let w = world();
    let e = &w.env;
    let state = e.path("state.json");
    let args: Vec<String> = server["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a.as_str().unwrap() {
            "POLICY" => w.policy.clone(),
            "agent.json" => w.agent.path.clone(),
            "chain.json" => state.clone(),
            other => other.to_string(),
        })
        .collect();
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow")).configure(|c| {
        c.args(&args)
            .env_remove("AGENT_ESCROW_SO")
            .env_remove("AGENT_ESCROW_STATE")
            .current_dir(e.dir.path());
    });
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    assert!(tools(&client).await.contains("escrow_create"));
    let budget = ok(call(&client, "budget_status", object!({})).await);
    assert_eq!(n(&budget["vaultBalance"]), Some(500 * USDC));
    client.cancel().await.unwrap();
}

/// `mcp --http`: Streamable HTTP on loopback, inside a loopback-only network
/// namespace (the server is started and stopped by PID there), driven by
/// the inspector; a non-loopback address is refused.
#[test]
fn the_inspector_over_streamable_http_in_a_loopback_namespace() {
    let w = world();
    let e = &w.env;
    let err = e.fails(
        &[
            "-k",
            &w.agent.path,
            "mcp",
            "--policy",
            &w.policy,
            "--http",
            "0.0.0.0:18765",
        ],
        2,
    );
    assert!(err.contains("is not a loopback address"), "{err}");
    let bin = inspector();
    let script = r#"set -u
ip link set lo up
"$AE" -u embedded --embedded-state "$STATE" -k "$KEY" mcp --policy "$POLICY" --http 127.0.0.1:18765 2>"$DIR/server.err" &
server=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/18765) 2>/dev/null && break; sleep 0.1; done
mcp-inspector --cli http://127.0.0.1:18765/mcp --format json -q --method tools/call --tool-name budget_status
code=$?
kill -TERM "$server"
wait "$server"
echo "server exit $?" >&2
exit "$code""#;
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let mut command = std::process::Command::new(if root { "unshare" } else { "sudo" });
    if !root {
        command.args(["-n", "--preserve-env", "unshare"]);
    }
    let out = command
        .args([
            "--net",
            "--pid",
            "--fork",
            "--kill-child",
            "--",
            "bash",
            "-c",
            script,
        ])
        .env("AE", env!("CARGO_BIN_EXE_agent-escrow"))
        .env("STATE", e.path("state.json"))
        .env("KEY", &w.agent.path)
        .env("POLICY", &w.policy)
        .env("DIR", e.dir.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", e.dir.path())
        .env_remove("AGENT_ESCROW_SO")
        .output()
        .expect("unshare (util-linux) runs the loopback-only namespace");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let server = std::fs::read_to_string(e.path("server.err")).unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{stderr}\nserver: {server}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let budget = &doc["result"]["structuredContent"];
    assert_eq!(n(&budget["vaultBalance"]), Some(500 * USDC), "{doc}");
    assert!(server.contains("(http://127.0.0.1:18765/mcp)"), "{server}");
    assert!(
        stderr.contains("server exit 0"),
        "stopped by PID, cleanly: {stderr}"
    );
}
