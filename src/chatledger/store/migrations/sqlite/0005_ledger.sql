-- The tamper-evident log (chatledger.integrity): an append-only RFC 9162 Merkle tree over every
-- imported source (its chain-of-custody record) and every archived message (its canonical form).
-- leaf: idx = position in the log; kind 0 = source, 1 = message; ref = sources.id or messages.id.
CREATE TABLE ledger_leaf (
    idx INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    ref INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE UNIQUE INDEX ledger_leaf_ref ON ledger_leaf (kind, ref);

-- Roots of complete perfect subtrees on every 4th level (merkle.DEFAULT_STRIDE): proofs read O(log n).
CREATE TABLE ledger_node (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed tree heads (integrity.tree_head), one per import at least.
CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    log_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL
);

-- RFC 3161 timestamp tokens over a head's canonical bytes, with the certificates they were checked with.
CREATE TABLE ledger_timestamp (
    id INTEGER PRIMARY KEY,
    head_id INTEGER NOT NULL REFERENCES ledger_head (id),
    tsa_url TEXT NOT NULL,
    token BLOB NOT NULL,
    gen_time TEXT NOT NULL,
    tsa_cert_pem TEXT,
    ca_cert_pem TEXT,
    stamped_at TEXT NOT NULL
);
