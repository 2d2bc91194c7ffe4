/**
 * Program IDL in camelCase format in order to be used in JS/TS.
 *
 * Note that this is only a type helper and is not the actual IDL. The original
 * IDL can be found at `target/idl/agent_escrow.json`.
 */
export type AgentEscrow = {
  "address": "6WCrJapNRPDTXtKHmMkbSTNbvKW3W1br8HvdvJCZqPGj",
  "metadata": {
    "name": "agentEscrow",
    "version": "0.1.0",
    "spec": "0.1.0",
    "description": "Solana program: policy-bounded USDC escrows between autonomous agents",
    "repository": "https://github.com/agent-escrow/agent-escrow"
  },
  "instructions": [
    {
      "name": "escrowApprove",
      "docs": [
        "Owner releases an approval-tier escrow after proof."
      ],
      "discriminator": [
        6,
        225,
        57,
        211,
        235,
        164,
        41,
        104
      ],
      "accounts": [
        {
          "name": "owner",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "providerToken",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "mint"
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowApproveOffchain",
      "docs": [
        "Anyone submits the owner's signed off-chain message approving a",
        "proven approval-tier escrow (an ed25519 instruction in the same",
        "transaction; see `offchain`); released as by escrow_approve."
      ],
      "discriminator": [
        75,
        239,
        150,
        42,
        156,
        77,
        228,
        125
      ],
      "accounts": [
        {
          "name": "submitter",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "providerToken",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "mint"
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "instructionsSysvar",
          "address": "Sysvar1nstructions1111111111111111111111111"
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": [
        {
          "name": "expiresAt",
          "type": "i64"
        }
      ]
    },
    {
      "name": "escrowCancel",
      "docs": [
        "Agent and provider cancel an unproven escrow; its amount is free again."
      ],
      "discriminator": [
        84,
        33,
        88,
        157,
        215,
        6,
        167,
        63
      ],
      "accounts": [
        {
          "name": "agent",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "provider",
          "signer": true,
          "relations": [
            "escrow"
          ]
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault"
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowClose",
      "docs": [
        "Anyone closes a settled escrow that was kept for its dependents, once",
        "none is left; rent to its payer. (Others close when they settle.)"
      ],
      "discriminator": [
        235,
        96,
        55,
        230,
        145,
        229,
        209,
        206
      ],
      "accounts": [
        {
          "name": "cranker",
          "signer": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true,
          "relations": [
            "escrow"
          ]
        }
      ],
      "args": []
    },
    {
      "name": "escrowCreate",
      "docs": [
        "Agent locks part of the policy's free balance in a new escrow, within",
        "the policy's limits."
      ],
      "discriminator": [
        228,
        151,
        91,
        197,
        161,
        255,
        60,
        247
      ],
      "accounts": [
        {
          "name": "agent",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "payer",
          "writable": true,
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "relations": [
            "policy"
          ]
        },
        {
          "name": "escrow",
          "docs": [
            "The new escrow: the PDA `[\"escrow\", policy, escrow_id (u64 LE)]` with",
            "`args.bump` (clients derive it; the IDL has no seeds for it because",
            "they are checked in the handler, not by a constraint).",
            "it must not have signed the transaction (`InvalidEscrowAddress`), so",
            "only the PDA signature from those seeds can create it."
          ],
          "writable": true
        },
        {
          "name": "systemProgram",
          "address": "11111111111111111111111111111111"
        },
        {
          "name": "allowEntry",
          "optional": true
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": [
        {
          "name": "args",
          "type": {
            "defined": {
              "name": "escrowCreateArgs"
            }
          }
        }
      ]
    },
    {
      "name": "escrowDispute",
      "docs": [
        "Agent or owner disputes a proven escrow before release (-> Disputed)."
      ],
      "discriminator": [
        142,
        140,
        59,
        77,
        141,
        39,
        18,
        111
      ],
      "accounts": [
        {
          "name": "authority",
          "signer": true
        },
        {
          "name": "policy",
          "relations": [
            "escrow"
          ]
        },
        {
          "name": "escrow",
          "writable": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowRefund",
      "docs": [
        "Anyone unlocks an escrow whose time is up: Funded after its deadline,",
        "ProofSubmitted waiting for approval or a dependency after",
        "review_timeout, Disputed after dispute_timeout."
      ],
      "discriminator": [
        60,
        99,
        14,
        186,
        234,
        116,
        5,
        180
      ],
      "accounts": [
        {
          "name": "cranker",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault"
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowRelease",
      "docs": [
        "Anyone releases a delay-tier escrow once the delay after proof has passed."
      ],
      "discriminator": [
        121,
        64,
        131,
        15,
        26,
        229,
        125,
        230
      ],
      "accounts": [
        {
          "name": "cranker",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "providerToken",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "mint"
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowResolve",
      "docs": [
        "The policy's arbiter (or its owner) splits a disputed escrow:",
        "`provider_bps` to the provider, the rest back to the free balance."
      ],
      "discriminator": [
        246,
        223,
        133,
        137,
        8,
        184,
        238,
        182
      ],
      "accounts": [
        {
          "name": "arbiter",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "providerToken",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "mint"
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": [
        {
          "name": "providerBps",
          "type": "u16"
        }
      ]
    },
    {
      "name": "escrowSubmitProof",
      "docs": [
        "Provider records its proof; instant-tier escrows are paid at once."
      ],
      "discriminator": [
        43,
        126,
        253,
        49,
        252,
        187,
        19,
        232
      ],
      "accounts": [
        {
          "name": "provider",
          "signer": true,
          "relations": [
            "escrow"
          ]
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "providerToken",
          "writable": true
        },
        {
          "name": "rentPayer",
          "writable": true
        },
        {
          "name": "mint"
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "instructionsSysvar",
          "address": "Sysvar1nstructions1111111111111111111111111"
        },
        {
          "name": "dependsOn",
          "writable": true,
          "optional": true
        }
      ],
      "args": [
        {
          "name": "proofHash",
          "type": {
            "array": [
              "u8",
              32
            ]
          }
        }
      ]
    },
    {
      "name": "escrowVeto",
      "docs": [
        "Owner vetoes a proven delay-tier escrow before release (-> Disputed)."
      ],
      "discriminator": [
        24,
        84,
        47,
        59,
        82,
        144,
        126,
        37
      ],
      "accounts": [
        {
          "name": "owner",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "relations": [
            "escrow"
          ]
        },
        {
          "name": "escrow",
          "writable": true
        }
      ],
      "args": []
    },
    {
      "name": "escrowVetoOffchain",
      "docs": [
        "Anyone submits the owner's signed off-chain message vetoing a proven",
        "delay-tier escrow (-> Disputed), as by escrow_veto."
      ],
      "discriminator": [
        150,
        252,
        22,
        249,
        246,
        94,
        223,
        68
      ],
      "accounts": [
        {
          "name": "submitter",
          "signer": true
        },
        {
          "name": "policy",
          "relations": [
            "escrow"
          ]
        },
        {
          "name": "escrow",
          "writable": true
        },
        {
          "name": "instructionsSysvar",
          "address": "Sysvar1nstructions1111111111111111111111111"
        }
      ],
      "args": [
        {
          "name": "expiresAt",
          "type": "i64"
        }
      ]
    },
    {
      "name": "policyCreate",
      "docs": [
        "Owner creates a policy (and its vault) for an agent over one mint."
      ],
      "discriminator": [
        79,
        238,
        242,
        117,
        97,
        134,
        108,
        126
      ],
      "accounts": [
        {
          "name": "owner",
          "writable": true,
          "signer": true
        },
        {
          "name": "policy",
          "writable": true,
          "pda": {
            "seeds": [
              {
                "kind": "const",
                "value": [
                  112,
                  111,
                  108,
                  105,
                  99,
                  121
                ]
              },
              {
                "kind": "account",
                "path": "owner"
              },
              {
                "kind": "arg",
                "path": "args.agent"
              },
              {
                "kind": "account",
                "path": "mint"
              }
            ]
          }
        },
        {
          "name": "mint"
        },
        {
          "name": "vault",
          "writable": true,
          "pda": {
            "seeds": [
              {
                "kind": "const",
                "value": [
                  112,
                  111,
                  108,
                  105,
                  99,
                  121,
                  95,
                  118,
                  97,
                  117,
                  108,
                  116
                ]
              },
              {
                "kind": "account",
                "path": "policy"
              }
            ]
          }
        },
        {
          "name": "tokenProgram"
        },
        {
          "name": "systemProgram",
          "address": "11111111111111111111111111111111"
        }
      ],
      "args": [
        {
          "name": "args",
          "type": {
            "defined": {
              "name": "policyCreateArgs"
            }
          }
        }
      ]
    },
    {
      "name": "policyDeposit",
      "docs": [
        "Anyone deposits `amount` base units into a policy vault."
      ],
      "discriminator": [
        184,
        105,
        80,
        192,
        48,
        245,
        106,
        50
      ],
      "accounts": [
        {
          "name": "depositor",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "source",
          "writable": true
        },
        {
          "name": "mint",
          "relations": [
            "policy"
          ]
        },
        {
          "name": "tokenProgram"
        }
      ],
      "args": [
        {
          "name": "amount",
          "type": "u64"
        }
      ]
    },
    {
      "name": "policyPause",
      "docs": [
        "Owner or agent (kill switch) pauses escrow creation."
      ],
      "discriminator": [
        104,
        147,
        36,
        223,
        253,
        105,
        82,
        113
      ],
      "accounts": [
        {
          "name": "authority",
          "signer": true
        },
        {
          "name": "policy",
          "writable": true
        }
      ],
      "args": []
    },
    {
      "name": "policyResume",
      "docs": [
        "Owner resumes a paused policy."
      ],
      "discriminator": [
        1,
        180,
        29,
        145,
        155,
        206,
        71,
        226
      ],
      "accounts": [
        {
          "name": "owner",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "writable": true
        }
      ],
      "args": []
    },
    {
      "name": "policyUpdate",
      "docs": [
        "Owner changes limits, tiers, expiry, allowlist mode or the agent key."
      ],
      "discriminator": [
        70,
        17,
        161,
        14,
        53,
        110,
        95,
        128
      ],
      "accounts": [
        {
          "name": "owner",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "writable": true
        }
      ],
      "args": [
        {
          "name": "args",
          "type": {
            "defined": {
              "name": "policyUpdateArgs"
            }
          }
        }
      ]
    },
    {
      "name": "policyWithdraw",
      "docs": [
        "Owner withdraws `amount` base units of the free balance."
      ],
      "discriminator": [
        155,
        249,
        139,
        187,
        29,
        212,
        198,
        142
      ],
      "accounts": [
        {
          "name": "owner",
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "writable": true
        },
        {
          "name": "vault",
          "writable": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "destination",
          "writable": true
        },
        {
          "name": "mint",
          "relations": [
            "policy"
          ]
        },
        {
          "name": "tokenProgram"
        }
      ],
      "args": [
        {
          "name": "amount",
          "type": "u64"
        }
      ]
    },
    {
      "name": "providerAllow",
      "docs": [
        "Owner adds `provider` to the policy's allowlist."
      ],
      "discriminator": [
        190,
        115,
        198,
        90,
        125,
        18,
        155,
        122
      ],
      "accounts": [
        {
          "name": "owner",
          "writable": true,
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy"
        },
        {
          "name": "allowEntry",
          "docs": [
            "created here; `AccountAlreadyInUse` from the System Program if the",
            "provider is listed already."
          ],
          "writable": true,
          "pda": {
            "seeds": [
              {
                "kind": "const",
                "value": [
                  97,
                  108,
                  108,
                  111,
                  119
                ]
              },
              {
                "kind": "account",
                "path": "policy"
              },
              {
                "kind": "arg",
                "path": "provider"
              }
            ]
          }
        },
        {
          "name": "systemProgram",
          "address": "11111111111111111111111111111111"
        }
      ],
      "args": [
        {
          "name": "provider",
          "type": "pubkey"
        }
      ]
    },
    {
      "name": "providerDisallow",
      "docs": [
        "Owner removes a provider from the allowlist."
      ],
      "discriminator": [
        152,
        206,
        34,
        146,
        172,
        146,
        155,
        159
      ],
      "accounts": [
        {
          "name": "owner",
          "writable": true,
          "signer": true,
          "relations": [
            "policy"
          ]
        },
        {
          "name": "policy",
          "relations": [
            "allowEntry"
          ]
        },
        {
          "name": "allowEntry",
          "docs": [
            "`dup`: the only mutable `Account` here, so Anchor's duplicate-mutable",
            "check (a HashSet, ~10 KB of binary) has nothing to compare it with."
          ],
          "writable": true
        }
      ],
      "args": []
    }
  ],
  "accounts": [
    {
      "name": "allowEntry",
      "discriminator": [
        3,
        29,
        6,
        254,
        2,
        209,
        219,
        245
      ]
    },
    {
      "name": "escrow",
      "discriminator": [
        31,
        213,
        123,
        187,
        186,
        22,
        218,
        155
      ]
    },
    {
      "name": "policy",
      "discriminator": [
        222,
        135,
        7,
        163,
        235,
        177,
        33,
        68
      ]
    }
  ],
  "events": [
    {
      "name": "deposited",
      "discriminator": [
        111,
        141,
        26,
        45,
        161,
        35,
        100,
        57
      ]
    },
    {
      "name": "disputeResolved",
      "discriminator": [
        121,
        64,
        249,
        153,
        139,
        128,
        236,
        187
      ]
    },
    {
      "name": "escrowCancelled",
      "discriminator": [
        98,
        241,
        195,
        122,
        213,
        0,
        162,
        161
      ]
    },
    {
      "name": "escrowClosed",
      "discriminator": [
        109,
        20,
        57,
        51,
        217,
        118,
        3,
        173
      ]
    },
    {
      "name": "escrowCreated",
      "discriminator": [
        70,
        127,
        105,
        102,
        92,
        97,
        7,
        173
      ]
    },
    {
      "name": "escrowDisputed",
      "discriminator": [
        132,
        73,
        81,
        200,
        177,
        51,
        128,
        18
      ]
    },
    {
      "name": "escrowRefunded",
      "discriminator": [
        132,
        209,
        49,
        109,
        135,
        138,
        28,
        81
      ]
    },
    {
      "name": "escrowReleased",
      "discriminator": [
        131,
        7,
        138,
        104,
        166,
        190,
        113,
        112
      ]
    },
    {
      "name": "ownerMessageAccepted",
      "discriminator": [
        241,
        29,
        209,
        170,
        187,
        91,
        226,
        146
      ]
    },
    {
      "name": "policyCreated",
      "discriminator": [
        59,
        189,
        65,
        121,
        86,
        157,
        108,
        10
      ]
    },
    {
      "name": "policyPaused",
      "discriminator": [
        125,
        114,
        89,
        149,
        229,
        231,
        254,
        37
      ]
    },
    {
      "name": "policyResumed",
      "discriminator": [
        243,
        2,
        93,
        35,
        174,
        176,
        65,
        5
      ]
    },
    {
      "name": "policyUpdated",
      "discriminator": [
        225,
        112,
        112,
        67,
        95,
        236,
        245,
        161
      ]
    },
    {
      "name": "proofSubmitted",
      "discriminator": [
        160,
        51,
        85,
        70,
        249,
        89,
        5,
        139
      ]
    },
    {
      "name": "providerAllowed",
      "discriminator": [
        34,
        136,
        223,
        51,
        49,
        173,
        82,
        124
      ]
    },
    {
      "name": "providerDisallowed",
      "discriminator": [
        74,
        109,
        255,
        245,
        183,
        203,
        166,
        40
      ]
    },
    {
      "name": "withdrawn",
      "discriminator": [
        20,
        89,
        223,
        198,
        194,
        124,
        219,
        13
      ]
    }
  ],
  "errors": [
    {
      "code": 6000,
      "name": "invalidPolicyLimits",
      "msg": "Invalid policy limits: need 0 < per_escrow_max <= daily_cap <= monthly_cap and instant_max <= delay_max"
    },
    {
      "code": 6001,
      "name": "delayOutOfRange",
      "msg": "delay_seconds must be between 0 and 2,592,000 (30 days)"
    },
    {
      "code": 6002,
      "name": "expiryInPast",
      "msg": "expires_at must be 0 (never) or a unix time in the future"
    },
    {
      "code": 6003,
      "name": "unsupportedTokenProgram",
      "msg": "Unsupported token program: pass SPL Token or Token-2022"
    },
    {
      "code": 6004,
      "name": "policyPaused",
      "msg": "Policy is paused: the owner must resume it before escrows can be created"
    },
    {
      "code": 6005,
      "name": "policyExpired",
      "msg": "Policy has expired (now >= expires_at): the owner must extend it"
    },
    {
      "code": 6006,
      "name": "zeroAmount",
      "msg": "Amount must be at least 1 base unit"
    },
    {
      "code": 6007,
      "name": "perEscrowCapExceeded",
      "msg": "Escrow amount exceeds the policy's per_escrow_max"
    },
    {
      "code": 6008,
      "name": "dailyCapExceeded",
      "msg": "Escrow would make the rolling 24 h spend exceed the policy's daily_cap"
    },
    {
      "code": 6009,
      "name": "monthlyCapExceeded",
      "msg": "Escrow would make the rolling 30 day spend exceed the policy's monthly_cap"
    },
    {
      "code": 6010,
      "name": "insufficientBudget",
      "msg": "The policy's free balance (vault balance - locked) is less than the escrow amount: deposit more first"
    },
    {
      "code": 6011,
      "name": "deadlineOutOfRange",
      "msg": "Escrow deadline must be after now and at most the policy's max_escrow_duration away (default 30 days)"
    },
    {
      "code": 6012,
      "name": "invalidProvider",
      "msg": "Provider must be a real key other than the agent, the owner and the policy"
    },
    {
      "code": 6013,
      "name": "invalidEscrowState",
      "msg": "Escrow is not in the state this instruction requires"
    },
    {
      "code": 6014,
      "name": "deadlinePassed",
      "msg": "Proof submitted at or after the escrow deadline"
    },
    {
      "code": 6015,
      "name": "deadlineNotReached",
      "msg": "Refund requested before the escrow deadline"
    },
    {
      "code": 6016,
      "name": "zeroHash",
      "msg": "proof_hash and task_hash must not be all zeros"
    },
    {
      "code": 6017,
      "name": "arithmeticOverflow",
      "msg": "Arithmetic overflow"
    },
    {
      "code": 6018,
      "name": "clockBeforeEpoch",
      "msg": "Cluster clock is before the unix epoch"
    },
    {
      "code": 6019,
      "name": "spendBucketUnderflow",
      "msg": "Spend bucket underflow: refund larger than the amount charged (invariant broken)"
    },
    {
      "code": 6020,
      "name": "notDelayTier",
      "msg": "Approval-tier escrows are released only by the owner's escrow_approve"
    },
    {
      "code": 6021,
      "name": "delayNotElapsed",
      "msg": "Release requested before the proof's delay_seconds have passed"
    },
    {
      "code": 6022,
      "name": "notApprovalTier",
      "msg": "Escrow is not in the approval tier"
    },
    {
      "code": 6023,
      "name": "invalidAgent",
      "msg": "Agent must be a real key other than the owner"
    },
    {
      "code": 6024,
      "name": "vaultMismatch",
      "msg": "Token account is not the vault recorded on the policy or escrow"
    },
    {
      "code": 6025,
      "name": "providerNotAllowed",
      "msg": "Policy requires an allowlist entry [\\allow\\, policy, provider] for this provider"
    },
    {
      "code": 6026,
      "name": "unauthorized",
      "msg": "Signer is neither the policy owner nor its agent"
    },
    {
      "code": 6027,
      "name": "insufficientVaultBalance",
      "msg": "Withdrawal exceeds the free balance (vault balance - amounts locked by open escrows)"
    },
    {
      "code": 6028,
      "name": "invalidBasisPoints",
      "msg": "provider_bps must be between 0 and 10,000"
    },
    {
      "code": 6029,
      "name": "notArbiter",
      "msg": "Only the policy's arbiter (set by the owner) or the owner can resolve"
    },
    {
      "code": 6030,
      "name": "closeTooEarly",
      "msg": "Unused since v2 (escrows close when they settle)"
    },
    {
      "code": 6031,
      "name": "rentPayerMismatch",
      "msg": "Account passed as rent payer is not the escrow's rent_payer"
    },
    {
      "code": 6032,
      "name": "invalidDependency",
      "msg": "depends_on must name an open or released escrow of the same policy"
    },
    {
      "code": 6033,
      "name": "dependencyNotReleased",
      "msg": "The escrow this one depends on is not Released yet (pass it as depends_on)"
    },
    {
      "code": 6034,
      "name": "attestationMissing",
      "msg": "Verifier attestation missing: no ed25519 instruction signed by the escrow's verifier"
    },
    {
      "code": 6035,
      "name": "attestationWrongSigner",
      "msg": "Verifier attestation signed by a key other than the escrow's verifier"
    },
    {
      "code": 6036,
      "name": "attestationWrongProgram",
      "msg": "Verifier attestation was made for another program"
    },
    {
      "code": 6037,
      "name": "attestationWrongEscrow",
      "msg": "Verifier attestation was made for another escrow"
    },
    {
      "code": 6038,
      "name": "attestationFieldMismatch",
      "msg": "Verifier attestation does not match provider, mint, amount or proof_hash"
    },
    {
      "code": 6039,
      "name": "attestationMalformed",
      "msg": "Malformed ed25519 instruction: offsets must point inside that same instruction"
    },
    {
      "code": 6040,
      "name": "hostileMintExtension",
      "msg": "Mint has a Token-2022 extension this program refuses (close authority, permanent delegate, transfer hook, transfer fee, default-frozen, pausable, non-transferable, confidential transfer)"
    },
    {
      "code": 6041,
      "name": "mintProgramMismatch",
      "msg": "The mint is not owned by the token program passed"
    },
    {
      "code": 6042,
      "name": "escrowIdUnavailable",
      "msg": "escrow_id is used already or outside [next_escrow_id - 256, next_escrow_id + 256): read the policy's next_escrow_id and use a fresh id"
    },
    {
      "code": 6043,
      "name": "timeoutOutOfRange",
      "msg": "dispute_timeout and review_timeout must be 3,600..=7,776,000 s (1 h..90 days); max_escrow_duration 3,600..=31,536,000 s (1 h..365 days)"
    },
    {
      "code": 6044,
      "name": "invalidArbiter",
      "msg": "The arbiter must be a real key other than the agent"
    },
    {
      "code": 6045,
      "name": "refundNotDue",
      "msg": "Escrow cannot be refunded yet: it needs its deadline (Funded), review_timeout after the proof while it waits for approval or its dependency (ProofSubmitted), or dispute_timeout after the dispute (Disputed)"
    },
    {
      "code": 6046,
      "name": "hasDependents",
      "msg": "Other escrows still depend on this one: it closes when they settle"
    },
    {
      "code": 6047,
      "name": "invalidProviderTokenAccount",
      "msg": "Token account is not a token account of the escrow's provider in the policy's mint"
    },
    {
      "code": 6048,
      "name": "invalidEscrowAddress",
      "msg": "The escrow account must be the PDA [\\escrow\\, policy, escrow_id LE] and must not sign the transaction"
    },
    {
      "code": 6049,
      "name": "invalidMint",
      "msg": "The mint is not an initialized SPL Token or Token-2022 mint"
    },
    {
      "code": 6050,
      "name": "tooManyDependents",
      "msg": "Escrow has too many dependents (65,535)"
    },
    {
      "code": 6051,
      "name": "ownerMessageMissing",
      "msg": "Owner message missing: no ed25519 instruction with the policy owner's signature over an agent-escrow off-chain message"
    },
    {
      "code": 6052,
      "name": "ownerMessageWrongSigner",
      "msg": "Owner message signed by a key other than the policy owner, or listing another signer"
    },
    {
      "code": 6053,
      "name": "ownerMessageMalformed",
      "msg": "Malformed owner message: off-chain message v0 header, format 0 (printable ASCII, no line feeds), length, ed25519 offsets inside that same instruction, expiry 0..=9999-12-31"
    },
    {
      "code": 6054,
      "name": "ownerMessageWrongDomain",
      "msg": "Owner message was signed for another application domain (it must be this program's id)"
    },
    {
      "code": 6055,
      "name": "ownerMessageWrongAction",
      "msg": "Owner message authorizes another action (approve release vs veto release)"
    },
    {
      "code": 6056,
      "name": "ownerMessagePolicyMismatch",
      "msg": "Owner message names another policy"
    },
    {
      "code": 6057,
      "name": "ownerMessageEscrowMismatch",
      "msg": "Owner message names another escrow"
    },
    {
      "code": 6058,
      "name": "ownerMessageProviderMismatch",
      "msg": "Owner message names another provider"
    },
    {
      "code": 6059,
      "name": "ownerMessageAmountMismatch",
      "msg": "Owner message names another amount or mint"
    },
    {
      "code": 6060,
      "name": "ownerMessageExpiryMismatch",
      "msg": "Owner message's expiry is not the expires_at passed to the instruction"
    },
    {
      "code": 6061,
      "name": "ownerMessageExpired",
      "msg": "Owner message has expired (now >= expires_at): the owner must sign a new one"
    },
    {
      "code": 6062,
      "name": "ownerMessageProofMismatch",
      "msg": "Owner message was signed for another proof (its proof time is not the escrow's), or before the proof"
    }
  ],
  "types": [
    {
      "name": "allowEntry",
      "docs": [
        "PDA `[\"allow\", policy, provider]`: `provider` may be paid by escrows of",
        "`policy` when the policy has `require_allowlist` set. Borsh, 8-byte",
        "discriminator + 66 bytes."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "provider",
            "type": "pubkey"
          },
          {
            "name": "version",
            "docs": [
              "Layout version."
            ],
            "type": "u8"
          },
          {
            "name": "bump",
            "type": "u8"
          }
        ]
      }
    },
    {
      "name": "deposited",
      "docs": [
        "Tokens were deposited into a policy vault."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "depositor",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "vaultBalance",
            "docs": [
              "Policy vault balance after the deposit."
            ],
            "type": "u64"
          }
        ]
      }
    },
    {
      "name": "disputeResolved",
      "docs": [
        "The arbiter (or the owner) split a disputed escrow."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "arbiter",
            "type": "pubkey"
          },
          {
            "name": "providerBps",
            "type": "u16"
          },
          {
            "name": "providerAmount",
            "docs": [
              "Paid to the provider: floor(amount * provider_bps / 10_000)."
            ],
            "type": "u64"
          },
          {
            "name": "refundAmount",
            "docs": [
              "Unlocked back into the free balance: amount - provider_amount."
            ],
            "type": "u64"
          },
          {
            "name": "rentReturned",
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrow",
      "docs": [
        "PDA `[\"escrow\", policy, escrow_id (u64 LE)]`; zero-copy, 8-byte",
        "discriminator then this `#[repr(C)]` struct (144 bytes), then the",
        "optional keys: the verifier (32 bytes, if `flags & FLAG_VERIFIER`) and",
        "the depends_on escrow (32 bytes, if `flags & FLAG_DEPENDS_ON`). So an",
        "escrow is 152, 184 or 216 bytes; a plain one holds 1,948,800 lamports of",
        "rent ((128 + 152) * 6,960), returned to `rent_payer` when it settles.",
        "",
        "Fixed offsets (for memcmp filters): policy 8, provider 40, rent_payer 72,",
        "task_tag 104, amount 112, state [`Escrow::STATE_OFFSET`] (145). The",
        "escrow id is not stored (it is in the address and in EscrowCreated).",
        "",
        "The escrow holds no tokens: its amount is locked inside the policy",
        "vault (`policy.locked`), so there is no per-escrow token account to fund,",
        "close or grief with dust."
      ],
      "serialization": "bytemuck",
      "repr": {
        "kind": "c"
      },
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "docs": [
              "The policy whose budget funds this escrow (offset 8)."
            ],
            "type": "pubkey"
          },
          {
            "name": "provider",
            "docs": [
              "Who is paid on release (offset 40)."
            ],
            "type": "pubkey"
          },
          {
            "name": "rentPayer",
            "docs": [
              "Who paid this account's rent; gets it back when the escrow closes (offset 72)."
            ],
            "type": "pubkey"
          },
          {
            "name": "taskTag",
            "docs": [
              "The first 8 bytes of the task hash (sha256 of the task specification;",
              "the full hash is in the EscrowCreated event), offset 104: lets a",
              "client find an open escrow for the same task with a memcmp filter",
              "before creating a second one."
            ],
            "type": {
              "array": [
                "u8",
                8
              ]
            }
          },
          {
            "name": "amount",
            "docs": [
              "Locked amount, base units (offset 112)."
            ],
            "type": "u64"
          },
          {
            "name": "createdAt",
            "docs": [
              "Unix time of creation (the spend buckets it was charged to)."
            ],
            "type": "i64"
          },
          {
            "name": "deadline",
            "docs": [
              "Proofs are accepted while now < deadline; refunds once now >= deadline."
            ],
            "type": "i64"
          },
          {
            "name": "stateAt",
            "docs": [
              "Unix time of the last state change: the proof (ProofSubmitted), the",
              "dispute (Disputed) or the settlement (terminal, kept for dependents)."
            ],
            "type": "i64"
          },
          {
            "name": "version",
            "docs": [
              "Layout version ([`crate::constants::ACCOUNT_VERSION`])."
            ],
            "type": "u8"
          },
          {
            "name": "state",
            "docs": [
              "[`EscrowState`] as u8 (offset 145)."
            ],
            "type": "u8"
          },
          {
            "name": "tier",
            "docs": [
              "[`crate::state::ReleaseTier`] as u8, fixed at creation."
            ],
            "type": "u8"
          },
          {
            "name": "flags",
            "docs": [
              "[`FLAG_VERIFIER`] | [`FLAG_DEPENDS_ON`]."
            ],
            "type": "u8"
          },
          {
            "name": "dependents",
            "docs": [
              "Open escrows whose `depends_on` is this one; while > 0 this account",
              "is kept after it settles, so they can always read how it ended."
            ],
            "type": "u16"
          },
          {
            "name": "reserved",
            "docs": [
              "Reserved, zero."
            ],
            "type": {
              "array": [
                "u8",
                2
              ]
            }
          }
        ]
      }
    },
    {
      "name": "escrowCancelled",
      "docs": [
        "Agent and provider cancelled an unproven escrow; its amount is free again."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "freeBalance",
            "docs": [
              "Free balance of the policy after the cancel."
            ],
            "type": "u64"
          },
          {
            "name": "rentReturned",
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowClosed",
      "docs": [
        "A terminal escrow kept for its dependents was closed once they had all",
        "settled; rent went back to its payer."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "rentPayer",
            "type": "pubkey"
          },
          {
            "name": "lamports",
            "docs": [
              "Lamports returned."
            ],
            "type": "u64"
          },
          {
            "name": "state",
            "docs": [
              "The terminal state the escrow was in."
            ],
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowCreateArgs",
      "docs": [
        "Arguments of `escrow_create`."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "escrowId",
            "docs": [
              "Id in the seeds `[\"escrow\", policy, escrow_id LE]`: unused, and in",
              "`[next_escrow_id - 256, next_escrow_id + 256)` (see",
              "`Policy::claim_escrow_id`). A retried create of the same id can land",
              "at most once; an id is never used twice."
            ],
            "type": "u64"
          },
          {
            "name": "bump",
            "docs": [
              "Bump of the escrow PDA. The escrow account must not sign the",
              "transaction, so the system program creates it only with the PDA",
              "signature of the seeds with this bump: the address is that PDA, and",
              "the program does no bump search (no compute-unit variance). It does",
              "not insist on the canonical bump: a caller passing another valid",
              "bump creates the escrow at that other address of the same seeds, but",
              "the id is still used once, so there is never a second escrow for it.",
              "Clients pass the canonical bump (`find_program_address`)."
            ],
            "type": "u8"
          },
          {
            "name": "provider",
            "docs": [
              "Who is paid on release: not the default key, the agent, the owner,",
              "the policy or its vault."
            ],
            "type": "pubkey"
          },
          {
            "name": "amount",
            "docs": [
              "Base units to lock; 1..=per_escrow_max and <= the free balance."
            ],
            "type": "u64"
          },
          {
            "name": "taskHash",
            "docs": [
              "sha256 of the task specification (not all zeros); kept in the event."
            ],
            "type": {
              "array": [
                "u8",
                32
              ]
            }
          },
          {
            "name": "deadline",
            "docs": [
              "Unix seconds; now < deadline <= now + policy.max_escrow_duration."
            ],
            "type": "i64"
          },
          {
            "name": "verifier",
            "docs": [
              "Key whose ed25519 attestation escrow_submit_proof will require."
            ],
            "type": {
              "option": "pubkey"
            }
          },
          {
            "name": "dependsOn",
            "docs": [
              "An open escrow of the same policy (or a Released one still kept for",
              "its dependents) that must be Released before this one can be paid;",
              "pass it as the `depends_on` account."
            ],
            "type": {
              "option": "pubkey"
            }
          }
        ]
      }
    },
    {
      "name": "escrowCreated",
      "docs": [
        "The agent locked `amount` of the policy's free balance in a new escrow."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "escrowId",
            "type": "u64"
          },
          {
            "name": "provider",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "tier",
            "type": {
              "defined": {
                "name": "releaseTier"
              }
            }
          },
          {
            "name": "deadline",
            "type": "i64"
          },
          {
            "name": "taskHash",
            "type": {
              "array": [
                "u8",
                32
              ]
            }
          },
          {
            "name": "spent24h",
            "docs": [
              "Net spend in the rolling 24 h window after this escrow."
            ],
            "type": "u64"
          },
          {
            "name": "spent30d",
            "docs": [
              "Net spend in the rolling 30 day window after this escrow."
            ],
            "type": "u64"
          },
          {
            "name": "freeBalance",
            "docs": [
              "Free balance of the policy after the amount was locked."
            ],
            "type": "u64"
          },
          {
            "name": "locked",
            "docs": [
              "Base units locked by the policy's open escrows, this one included."
            ],
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowDisputed",
      "docs": [
        "The owner vetoed, or the agent/owner disputed, a proven escrow."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "by",
            "type": "pubkey"
          },
          {
            "name": "veto",
            "docs": [
              "True for the owner's escrow_veto, false for escrow_dispute."
            ],
            "type": "bool"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowRefunded",
      "docs": [
        "The escrowed amount was unlocked back into the policy's free balance."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "fromState",
            "docs": [
              "Why: Funded (deadline passed), ProofSubmitted (review_timeout passed",
              "waiting for approval or a dependency), Disputed (dispute_timeout passed)."
            ],
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          },
          {
            "name": "freeBalance",
            "docs": [
              "Free balance of the policy after the refund."
            ],
            "type": "u64"
          },
          {
            "name": "spent24h",
            "docs": [
              "Net spend in the rolling 24 h window after the credit."
            ],
            "type": "u64"
          },
          {
            "name": "spent30d",
            "docs": [
              "Net spend in the rolling 30 day window after the credit."
            ],
            "type": "u64"
          },
          {
            "name": "rentReturned",
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowReleased",
      "docs": [
        "The escrowed amount was paid to the provider."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "provider",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "tier",
            "type": {
              "defined": {
                "name": "releaseTier"
              }
            }
          },
          {
            "name": "releasedBy",
            "docs": [
              "Who triggered the release (provider, cranker or owner)."
            ],
            "type": "pubkey"
          },
          {
            "name": "locked",
            "docs": [
              "Base units still locked by the policy's open escrows."
            ],
            "type": "u64"
          },
          {
            "name": "rentReturned",
            "docs": [
              "Lamports of rent returned to the rent payer (0 while other escrows",
              "depend on this one and keep its account)."
            ],
            "type": "u64"
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "escrowState",
      "docs": [
        "Escrow state (byte `state`); transitions are listed in DESIGN.md."
      ],
      "type": {
        "kind": "enum",
        "variants": [
          {
            "name": "funded"
          },
          {
            "name": "proofSubmitted"
          },
          {
            "name": "released"
          },
          {
            "name": "refunded"
          },
          {
            "name": "disputed"
          },
          {
            "name": "resolved"
          },
          {
            "name": "cancelled"
          }
        ]
      }
    },
    {
      "name": "ownerAction",
      "docs": [
        "What the owner authorizes."
      ],
      "type": {
        "kind": "enum",
        "variants": [
          {
            "name": "approveRelease"
          },
          {
            "name": "vetoRelease"
          }
        ]
      }
    },
    {
      "name": "ownerMessageAccepted",
      "docs": [
        "The owner's consent came as a signed off-chain message",
        "([`crate::offchain`]) rather than a transaction signature; emitted just",
        "before the EscrowReleased (approve) or EscrowDisputed (veto) it caused."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "owner",
            "docs": [
              "The policy owner, who signed the message."
            ],
            "type": "pubkey"
          },
          {
            "name": "action",
            "type": {
              "defined": {
                "name": "ownerAction"
              }
            }
          },
          {
            "name": "expiresAt",
            "docs": [
              "The message's expiry, unix seconds."
            ],
            "type": "i64"
          },
          {
            "name": "submittedBy",
            "docs": [
              "Who put the message on chain (any key; it paid the fee)."
            ],
            "type": "pubkey"
          }
        ]
      }
    },
    {
      "name": "policy",
      "docs": [
        "PDA `[\"policy\", owner, agent, mint]` (agent = `seed_agent`, the key at",
        "creation); zero-copy, 8-byte discriminator then this `#[repr(C)]` struct",
        "(see `Policy::LEN`). Amounts are base units of `mint` (USDC: 1 USDC =",
        "1_000_000), times are unix seconds.",
        "",
        "Funds: the vault holds `locked` (the sum of open escrows' amounts) plus",
        "the free balance (`vault.amount - locked`); only the free balance can be",
        "locked by a new escrow or withdrawn by the owner."
      ],
      "serialization": "bytemuck",
      "repr": {
        "kind": "c"
      },
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "owner",
            "docs": [
              "Root authority (offset 8): signs create/approve; receives withdrawals."
            ],
            "type": "pubkey"
          },
          {
            "name": "agent",
            "docs": [
              "Hot key allowed to create escrows within the limits (offset 40)."
            ],
            "type": "pubkey"
          },
          {
            "name": "mint",
            "docs": [
              "The one mint this policy pays in (offset 72)."
            ],
            "type": "pubkey"
          },
          {
            "name": "vault",
            "docs": [
              "Policy vault: token account `[\"policy_vault\", policy]` (offset 104)."
            ],
            "type": "pubkey"
          },
          {
            "name": "seedAgent",
            "docs": [
              "The agent key the PDA was derived from (its seeds); differs from",
              "`agent` after a key rotation (offset 136)."
            ],
            "type": "pubkey"
          },
          {
            "name": "arbiter",
            "docs": [
              "Who resolves disputes (offset 168): set by the owner only (default:",
              "the owner), never the agent. The owner can always resolve as well."
            ],
            "type": "pubkey"
          },
          {
            "name": "perEscrowMax",
            "docs": [
              "Largest single escrow, base units."
            ],
            "type": "u64"
          },
          {
            "name": "dailyCap",
            "docs": [
              "Cap on net spend in any 24 h interval, base units."
            ],
            "type": "u64"
          },
          {
            "name": "monthlyCap",
            "docs": [
              "Cap on net spend in any 30 day interval, base units."
            ],
            "type": "u64"
          },
          {
            "name": "instantMax",
            "docs": [
              "Escrows up to this amount release on proof, base units."
            ],
            "type": "u64"
          },
          {
            "name": "delayMax",
            "docs": [
              "Escrows up to this amount (and above instant_max) release after the delay."
            ],
            "type": "u64"
          },
          {
            "name": "delaySeconds",
            "docs": [
              "Seconds after the proof before a delay-tier escrow can be released."
            ],
            "type": "i64"
          },
          {
            "name": "expiresAt",
            "docs": [
              "Unix time after which no escrow can be created; 0 = never."
            ],
            "type": "i64"
          },
          {
            "name": "disputeTimeout",
            "docs": [
              "Seconds a Disputed escrow waits for the arbiter before anyone may",
              "refund it to the policy ([`crate::constants::MIN_TIMEOUT_SECONDS`]..=",
              "[`crate::constants::MAX_TIMEOUT_SECONDS`])."
            ],
            "type": "i64"
          },
          {
            "name": "reviewTimeout",
            "docs": [
              "Seconds a proven escrow waits for the owner's approval (or for its",
              "dependency) before anyone may refund it to the policy (same bounds)."
            ],
            "type": "i64"
          },
          {
            "name": "maxEscrowDuration",
            "docs": [
              "Longest deadline an escrow may set, seconds after its creation",
              "(1 h..=365 days)."
            ],
            "type": "i64"
          },
          {
            "name": "locked",
            "docs": [
              "Base units locked by open escrows (inside the vault balance)."
            ],
            "type": "u64"
          },
          {
            "name": "nextEscrowId",
            "docs": [
              "Smallest id above every escrow id used so far (see `claim_escrow_id`)."
            ],
            "type": "u64"
          },
          {
            "name": "usedIds",
            "docs": [
              "Which ids of `[next_escrow_id - 256, next_escrow_id)` are used: bit",
              "`id % 256` (word `id % 256 / 64`, bit `id % 64`)."
            ],
            "type": {
              "array": [
                "u64",
                4
              ]
            }
          },
          {
            "name": "totalDeposited",
            "docs": [
              "Lifetime base units deposited into the vault."
            ],
            "type": "u64"
          },
          {
            "name": "totalEscrowed",
            "docs": [
              "Lifetime base units locked in escrows."
            ],
            "type": "u64"
          },
          {
            "name": "totalReleased",
            "docs": [
              "Lifetime base units paid to providers."
            ],
            "type": "u64"
          },
          {
            "name": "totalRefunded",
            "docs": [
              "Lifetime base units unlocked back into the free balance."
            ],
            "type": "u64"
          },
          {
            "name": "escrowsCreated",
            "docs": [
              "Lifetime number of escrows created."
            ],
            "type": "u64"
          },
          {
            "name": "totalWithdrawn",
            "docs": [
              "Lifetime base units withdrawn by the owner."
            ],
            "type": "u64"
          },
          {
            "name": "hourly",
            "docs": [
              "Hourly spend buckets guarding `daily_cap` (see `state::spend`)."
            ],
            "type": {
              "array": [
                {
                  "defined": {
                    "name": "spendBucket"
                  }
                },
                25
              ]
            }
          },
          {
            "name": "daily",
            "docs": [
              "Daily spend buckets guarding `monthly_cap`."
            ],
            "type": {
              "array": [
                {
                  "defined": {
                    "name": "spendBucket"
                  }
                },
                31
              ]
            }
          },
          {
            "name": "version",
            "docs": [
              "Layout version ([`crate::constants::ACCOUNT_VERSION`])."
            ],
            "type": "u8"
          },
          {
            "name": "bump",
            "docs": [
              "Bump of this PDA."
            ],
            "type": "u8"
          },
          {
            "name": "vaultBump",
            "docs": [
              "Bump of the policy vault PDA."
            ],
            "type": "u8"
          },
          {
            "name": "paused",
            "docs": [
              "1 = paused: no escrow can be created."
            ],
            "type": "u8"
          },
          {
            "name": "decimals",
            "docs": [
              "Mint decimals, cached for transfer_checked."
            ],
            "type": "u8"
          },
          {
            "name": "requireAllowlist",
            "docs": [
              "1 = escrow_create needs the provider's allowlist PDA."
            ],
            "type": "u8"
          },
          {
            "name": "reviewUnlisted",
            "docs": [
              "1 = an escrow to a provider without an allowlist entry takes the",
              "approval tier whatever its amount (\"new providers: manual review\")."
            ],
            "type": "u8"
          },
          {
            "name": "reserved",
            "docs": [
              "Reserved, zero."
            ],
            "type": {
              "array": [
                "u8",
                1
              ]
            }
          }
        ]
      }
    },
    {
      "name": "policyCreateArgs",
      "docs": [
        "Arguments of `policy_create`. Amounts in base units, times in unix seconds."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "agent",
            "docs": [
              "The agent's hot key (part of the policy seeds)."
            ],
            "type": "pubkey"
          },
          {
            "name": "perEscrowMax",
            "docs": [
              "Largest single escrow; > 0 and <= daily_cap."
            ],
            "type": "u64"
          },
          {
            "name": "dailyCap",
            "docs": [
              "Cap on net spend in any 24 h interval; <= monthly_cap."
            ],
            "type": "u64"
          },
          {
            "name": "monthlyCap",
            "docs": [
              "Cap on net spend in any 30 day interval."
            ],
            "type": "u64"
          },
          {
            "name": "instantMax",
            "docs": [
              "Escrows up to this amount release on proof."
            ],
            "type": "u64"
          },
          {
            "name": "delayMax",
            "docs": [
              "Escrows up to this amount release `delay_seconds` after proof; >= instant_max."
            ],
            "type": "u64"
          },
          {
            "name": "delaySeconds",
            "docs": [
              "0..=2_592_000 seconds."
            ],
            "type": "i64"
          },
          {
            "name": "expiresAt",
            "docs": [
              "0 (never) or a future unix time."
            ],
            "type": "i64"
          },
          {
            "name": "requireAllowlist",
            "docs": [
              "Escrows may pay only providers with an allowlist entry."
            ],
            "type": "bool"
          },
          {
            "name": "reviewUnlisted",
            "docs": [
              "Escrows to providers without an allowlist entry take the approval tier."
            ],
            "type": "bool"
          },
          {
            "name": "arbiter",
            "docs": [
              "Who resolves disputes; `None` = the owner. Never the agent."
            ],
            "type": {
              "option": "pubkey"
            }
          },
          {
            "name": "disputeTimeout",
            "docs": [
              "Seconds a dispute waits for the arbiter before anyone may refund it;",
              "`None` = 14 days. 3,600..=7,776,000."
            ],
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "reviewTimeout",
            "docs": [
              "Seconds a proven escrow waits for approval or its dependency before",
              "anyone may refund it; `None` = 14 days. 3,600..=7,776,000."
            ],
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "maxEscrowDuration",
            "docs": [
              "Longest escrow deadline, seconds after creation; `None` = 30 days.",
              "3,600..=31,536,000."
            ],
            "type": {
              "option": "i64"
            }
          }
        ]
      }
    },
    {
      "name": "policyCreated",
      "docs": [
        "A policy was created by its owner."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "owner",
            "type": "pubkey"
          },
          {
            "name": "agent",
            "type": "pubkey"
          },
          {
            "name": "mint",
            "type": "pubkey"
          },
          {
            "name": "vault",
            "type": "pubkey"
          },
          {
            "name": "arbiter",
            "docs": [
              "Who resolves disputes (set by the owner; default: the owner)."
            ],
            "type": "pubkey"
          },
          {
            "name": "perEscrowMax",
            "type": "u64"
          },
          {
            "name": "dailyCap",
            "type": "u64"
          },
          {
            "name": "monthlyCap",
            "type": "u64"
          },
          {
            "name": "instantMax",
            "type": "u64"
          },
          {
            "name": "delayMax",
            "type": "u64"
          },
          {
            "name": "delaySeconds",
            "type": "i64"
          },
          {
            "name": "expiresAt",
            "type": "i64"
          },
          {
            "name": "disputeTimeout",
            "type": "i64"
          },
          {
            "name": "reviewTimeout",
            "type": "i64"
          },
          {
            "name": "maxEscrowDuration",
            "type": "i64"
          },
          {
            "name": "requireAllowlist",
            "type": "bool"
          },
          {
            "name": "reviewUnlisted",
            "type": "bool"
          }
        ]
      }
    },
    {
      "name": "policyPaused",
      "docs": [
        "The policy was paused (by the owner, or by the agent as a kill switch)."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "by",
            "type": "pubkey"
          }
        ]
      }
    },
    {
      "name": "policyResumed",
      "docs": [
        "The owner resumed the policy."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          }
        ]
      }
    },
    {
      "name": "policyUpdateArgs",
      "docs": [
        "Arguments of `policy_update`: every field is optional; `None` keeps the",
        "current value. The result must satisfy the same bounds as policy_create",
        "(and the arbiter may never be the agent, before or after a rotation)."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "agent",
            "docs": [
              "New agent key (rotation); not the owner, not the default key."
            ],
            "type": {
              "option": "pubkey"
            }
          },
          {
            "name": "perEscrowMax",
            "type": {
              "option": "u64"
            }
          },
          {
            "name": "dailyCap",
            "type": {
              "option": "u64"
            }
          },
          {
            "name": "monthlyCap",
            "type": {
              "option": "u64"
            }
          },
          {
            "name": "instantMax",
            "type": {
              "option": "u64"
            }
          },
          {
            "name": "delayMax",
            "type": {
              "option": "u64"
            }
          },
          {
            "name": "delaySeconds",
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "expiresAt",
            "docs": [
              "0 = never; otherwise a future unix time."
            ],
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "requireAllowlist",
            "type": {
              "option": "bool"
            }
          },
          {
            "name": "reviewUnlisted",
            "type": {
              "option": "bool"
            }
          },
          {
            "name": "arbiter",
            "docs": [
              "New dispute arbiter (not the agent)."
            ],
            "type": {
              "option": "pubkey"
            }
          },
          {
            "name": "disputeTimeout",
            "docs": [
              "Seconds, 3,600..=7,776,000."
            ],
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "reviewTimeout",
            "docs": [
              "Seconds, 3,600..=7,776,000."
            ],
            "type": {
              "option": "i64"
            }
          },
          {
            "name": "maxEscrowDuration",
            "docs": [
              "Seconds, 3,600..=31,536,000."
            ],
            "type": {
              "option": "i64"
            }
          }
        ]
      }
    },
    {
      "name": "policyUpdated",
      "docs": [
        "The owner changed limits, tiers, timeouts, arbiter, expiry, allowlist",
        "modes or the agent key."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "agent",
            "type": "pubkey"
          },
          {
            "name": "arbiter",
            "type": "pubkey"
          },
          {
            "name": "perEscrowMax",
            "type": "u64"
          },
          {
            "name": "dailyCap",
            "type": "u64"
          },
          {
            "name": "monthlyCap",
            "type": "u64"
          },
          {
            "name": "instantMax",
            "type": "u64"
          },
          {
            "name": "delayMax",
            "type": "u64"
          },
          {
            "name": "delaySeconds",
            "type": "i64"
          },
          {
            "name": "expiresAt",
            "type": "i64"
          },
          {
            "name": "disputeTimeout",
            "type": "i64"
          },
          {
            "name": "reviewTimeout",
            "type": "i64"
          },
          {
            "name": "maxEscrowDuration",
            "type": "i64"
          },
          {
            "name": "requireAllowlist",
            "type": "bool"
          },
          {
            "name": "reviewUnlisted",
            "type": "bool"
          }
        ]
      }
    },
    {
      "name": "proofSubmitted",
      "docs": [
        "The provider recorded a proof."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "escrow",
            "type": "pubkey"
          },
          {
            "name": "provider",
            "type": "pubkey"
          },
          {
            "name": "proofHash",
            "type": {
              "array": [
                "u8",
                32
              ]
            }
          },
          {
            "name": "state",
            "type": {
              "defined": {
                "name": "escrowState"
              }
            }
          }
        ]
      }
    },
    {
      "name": "providerAllowed",
      "docs": [
        "The owner added a provider to the allowlist."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "provider",
            "type": "pubkey"
          }
        ]
      }
    },
    {
      "name": "providerDisallowed",
      "docs": [
        "The owner removed a provider from the allowlist."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "provider",
            "type": "pubkey"
          }
        ]
      }
    },
    {
      "name": "releaseTier",
      "docs": [
        "Release tier of an escrow, fixed when it is created (byte `tier`)."
      ],
      "type": {
        "kind": "enum",
        "variants": [
          {
            "name": "instant"
          },
          {
            "name": "delay"
          },
          {
            "name": "approval"
          }
        ]
      }
    },
    {
      "name": "spendBucket",
      "docs": [
        "One bucket: the net amount (base units) charged during `period`, where",
        "`period = unix_time / bucket_seconds`. 16 bytes: `period` u64 LE, `amount` u64 LE."
      ],
      "serialization": "bytemuck",
      "repr": {
        "kind": "c"
      },
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "period",
            "docs": [
              "Period index (unix seconds / bucket width). 0 with amount 0 = unused."
            ],
            "type": "u64"
          },
          {
            "name": "amount",
            "docs": [
              "Net base units charged in this period."
            ],
            "type": "u64"
          }
        ]
      }
    },
    {
      "name": "withdrawn",
      "docs": [
        "The owner withdrew free funds from the policy vault."
      ],
      "type": {
        "kind": "struct",
        "fields": [
          {
            "name": "policy",
            "type": "pubkey"
          },
          {
            "name": "destination",
            "type": "pubkey"
          },
          {
            "name": "amount",
            "type": "u64"
          },
          {
            "name": "vaultBalance",
            "docs": [
              "Policy vault balance after the withdrawal."
            ],
            "type": "u64"
          },
          {
            "name": "freeBalance",
            "docs": [
              "Free balance after the withdrawal."
            ],
            "type": "u64"
          }
        ]
      }
    }
  ],
  "constants": [
    {
      "name": "accountVersion",
      "docs": [
        "Layout version written into every account this program creates (byte",
        "`version`). v2 (this layout) is a clean break from v1: see the README's",
        "\"Migrations\" section."
      ],
      "type": "u8",
      "value": "2"
    },
    {
      "name": "allowSeed",
      "docs": [
        "Seed prefix of a provider allowlist entry: `[\"allow\", policy, provider]`."
      ],
      "type": "bytes",
      "value": "[97, 108, 108, 111, 119]"
    },
    {
      "name": "bpsDenominator",
      "docs": [
        "Denominator of basis points (100% = 10_000)."
      ],
      "type": "u16",
      "value": "10000"
    },
    {
      "name": "dailyBuckets",
      "docs": [
        "Daily buckets kept for the rolling 30 day cap: 30 + 1, for the same reason."
      ],
      "type": "u32",
      "value": "31"
    },
    {
      "name": "daySeconds",
      "docs": [
        "Seconds in one daily spend bucket."
      ],
      "type": "i64",
      "value": "86400"
    },
    {
      "name": "defaultDisputeTimeout",
      "docs": [
        "Default `dispute_timeout`: a Disputed escrow the arbiter has not resolved",
        "after 14 days can be refunded to the policy vault by anyone."
      ],
      "type": "i64",
      "value": "1209600"
    },
    {
      "name": "defaultEscrowDuration",
      "docs": [
        "Default `max_escrow_duration`: deadlines at most 30 days after creation."
      ],
      "type": "i64",
      "value": "2592000"
    },
    {
      "name": "defaultReviewTimeout",
      "docs": [
        "Default `review_timeout`: a proven escrow that waits for the owner's",
        "approval (or for a dependency) can be refunded by anyone 14 days after",
        "its proof."
      ],
      "type": "i64",
      "value": "1209600"
    },
    {
      "name": "escrowSeed",
      "docs": [
        "Seed prefix of an [`crate::state::Escrow`] PDA:",
        "`[\"escrow\", policy, escrow_id as u64 little-endian]`."
      ],
      "type": "bytes",
      "value": "[101, 115, 99, 114, 111, 119]"
    },
    {
      "name": "hourlyBuckets",
      "docs": [
        "Hourly buckets kept for the rolling 24 h cap: 24 + 1, so that every 24 h",
        "interval (which touches at most 25 hour buckets) is covered by the check."
      ],
      "type": "u32",
      "value": "25"
    },
    {
      "name": "hourSeconds",
      "docs": [
        "Seconds in one hourly spend bucket."
      ],
      "type": "i64",
      "value": "3600"
    },
    {
      "name": "idWindow",
      "docs": [
        "Width of the escrow id window: an id is accepted once, and only if it",
        "is at least `next_escrow_id - ID_WINDOW` and below",
        "`next_escrow_id + ID_WINDOW`; so up to 256 creates can be in flight, in",
        "any order, and no id (hence no escrow address) is ever used twice."
      ],
      "type": "u64",
      "value": "256"
    },
    {
      "name": "maxDelaySeconds",
      "docs": [
        "Longest `delay_seconds` a policy may set: 30 days, in seconds."
      ],
      "type": "i64",
      "value": "2592000"
    },
    {
      "name": "maxEscrowDuration",
      "docs": [
        "Farthest any escrow deadline may lie after its creation: 365 days."
      ],
      "type": "i64",
      "value": "31536000"
    },
    {
      "name": "maxTimeoutSeconds",
      "docs": [
        "Longest dispute or review timeout a policy may set: 90 days, in seconds."
      ],
      "type": "i64",
      "value": "7776000"
    },
    {
      "name": "minTimeoutSeconds",
      "docs": [
        "Shortest timeout (dispute, review) or escrow duration a policy may set: 1 h."
      ],
      "type": "i64",
      "value": "3600"
    },
    {
      "name": "policySeed",
      "docs": [
        "Seed prefix of a [`crate::state::Policy`] PDA:",
        "`[\"policy\", owner, agent, mint]`."
      ],
      "type": "bytes",
      "value": "[112, 111, 108, 105, 99, 121]"
    },
    {
      "name": "policyVaultSeed",
      "docs": [
        "Seed prefix of a policy vault (token account owned by the policy PDA):",
        "`[\"policy_vault\", policy]`. The vault holds the whole budget: the free",
        "balance and the amounts locked by open escrows."
      ],
      "type": "bytes",
      "value": "[112, 111, 108, 105, 99, 121, 95, 118, 97, 117, 108, 116]"
    }
  ]
};
