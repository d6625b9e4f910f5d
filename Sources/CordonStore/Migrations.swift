import SQLKit

/// The schema, as an append-only list of versioned migrations: never edit a released one, add the next.
enum Migrations {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: @Sendable (Flavor) -> [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "cargo intake") { f in [
            """
            CREATE TABLE id_blocks (name TEXT PRIMARY KEY, next_id BIGINT NOT NULL)
            """,
            "INSERT INTO id_blocks (name, next_id) VALUES ('main', 1)",
            """
            CREATE TABLE ingest_files (
                id \(f.idType) PRIMARY KEY, name TEXT NOT NULL, fingerprint TEXT NOT NULL, format TEXT NOT NULL,
                first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX ingest_files_fingerprint ON ingest_files (fingerprint, format)",
            """
            CREATE TABLE consignments (
                id \(f.idType) PRIMARY KEY,
                kind TEXT NOT NULL, document_number TEXT NOT NULL, version INTEGER NOT NULL,
                content_hash TEXT NOT NULL, is_current INTEGER NOT NULL,
                doc_date TEXT NOT NULL, mode TEXT, office TEXT,
                place_of_loading TEXT, place_of_discharge TEXT, hs_code TEXT,
                label_illicit INTEGER, label_revenue DOUBLE PRECISION,
                payload TEXT NOT NULL, ingest_file_id BIGINT NOT NULL REFERENCES ingest_files (id),
                received_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX consignments_document ON consignments (document_number, kind, version)",
            "CREATE INDEX consignments_date ON consignments (doc_date) ",
            // Search tables are clustered on what is searched (WITHOUT ROWID in SQLite): one b-tree insert per
            // entry instead of a table row plus indexes, which is most of the cost of ingest.
            """
            CREATE TABLE consignment_containers (
                number TEXT NOT NULL, consignment_id BIGINT NOT NULL REFERENCES consignments (id),
                check_digit_valid INTEGER NOT NULL,
                PRIMARY KEY (number, consignment_id))\(f.clustered)
            """,
            // A party is found by its identifier or its upper-cased name, both kept as terms.
            """
            CREATE TABLE consignment_party_terms (
                term TEXT NOT NULL, consignment_id BIGINT NOT NULL REFERENCES consignments (id), role TEXT NOT NULL,
                PRIMARY KEY (term, consignment_id, role))\(f.clustered)
            """,
            """
            CREATE TABLE bay_plans (
                id \(f.idType) PRIMARY KEY, reference TEXT NOT NULL, vessel TEXT NOT NULL, voyage TEXT NOT NULL,
                version INTEGER NOT NULL, content_hash TEXT NOT NULL, is_current INTEGER NOT NULL,
                payload TEXT NOT NULL, ingest_file_id BIGINT NOT NULL REFERENCES ingest_files (id),
                received_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX bay_plans_identity ON bay_plans (reference, vessel, voyage, version)",
            """
            CREATE TABLE bay_plan_containers (
                bay_plan_id BIGINT NOT NULL REFERENCES bay_plans (id), number TEXT NOT NULL, position TEXT,
                port_of_loading TEXT, port_of_discharge TEXT)
            """,
            "CREATE INDEX bay_plan_containers_number ON bay_plan_containers (number)",
            """
            CREATE TABLE quarantine (
                id \(f.idType) PRIMARY KEY, ingest_file_id BIGINT NOT NULL REFERENCES ingest_files (id),
                severity TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, unit TEXT NOT NULL,
                field TEXT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL, received_at TEXT NOT NULL)
            """,
            // Re-reading a file must not quarantine the same record twice.
            "CREATE UNIQUE INDEX quarantine_record ON quarantine (ingest_file_id, severity, unit, line, field)",
        ] },
        Migration(version: 2, name: "risk profiles, units, models, targets and inspection results") { f in [
            // Every version of a profile is kept; a change or a status change adds the next version.
            """
            CREATE TABLE risk_profiles (
                id \(f.autoID), name TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
                lane TEXT NOT NULL, weight DOUBLE PRECISION NOT NULL, valid_from TEXT, valid_until TEXT,
                author TEXT NOT NULL, definition TEXT NOT NULL, saved_by TEXT NOT NULL, saved_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX risk_profiles_version ON risk_profiles (name, version)",
            """
            CREATE TABLE units (
                code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, country TEXT NOT NULL,
                capacity TEXT NOT NULL, control_share DOUBLE PRECISION NOT NULL, updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE unit_locations (
                location TEXT NOT NULL, unit_code TEXT NOT NULL REFERENCES units (code),
                PRIMARY KEY (location, unit_code))\(f.clustered)
            """,
            // A unit's day: the documents for its locations, by place of discharge or by office.
            "CREATE INDEX consignments_discharge_day ON consignments (place_of_discharge, doc_date)",
            "CREATE INDEX consignments_office_day ON consignments (office, doc_date)",
            """
            CREATE TABLE model_versions (
                id \(f.autoID), status TEXT NOT NULL, trained_from TEXT NOT NULL, trained_until TEXT NOT NULL,
                examples INTEGER NOT NULL, positives INTEGER NOT NULL, document_kinds TEXT NOT NULL,
                features TEXT NOT NULL, evaluation TEXT NOT NULL,
                booster TEXT NOT NULL, feature_state TEXT NOT NULL, trained_by TEXT NOT NULL, trained_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE targets (
                unit_code TEXT NOT NULL REFERENCES units (code), day TEXT NOT NULL,
                consignment_id BIGINT NOT NULL REFERENCES consignments (id), rank INTEGER NOT NULL,
                score DOUBLE PRECISION NOT NULL, lane TEXT NOT NULL, selection TEXT NOT NULL, reasons TEXT NOT NULL,
                profiles TEXT NOT NULL, model_version BIGINT REFERENCES model_versions (id), scored_at TEXT NOT NULL,
                PRIMARY KEY (unit_code, day, consignment_id))
            """,
            "CREATE INDEX targets_rank ON targets (unit_code, day, rank)",
            """
            CREATE TABLE profile_hits (
                profile_id BIGINT NOT NULL REFERENCES risk_profiles (id),
                consignment_id BIGINT NOT NULL REFERENCES consignments (id),
                unit_code TEXT NOT NULL, day TEXT NOT NULL, selected INTEGER NOT NULL,
                PRIMARY KEY (profile_id, consignment_id, unit_code))\(f.clustered)
            """,
            "CREATE INDEX profile_hits_day ON profile_hits (unit_code, day)",
            """
            CREATE TABLE inspection_results (
                id \(f.autoID), consignment_id BIGINT NOT NULL REFERENCES consignments (id),
                kind TEXT NOT NULL, document_number TEXT NOT NULL, unit_code TEXT NOT NULL, inspected_on TEXT NOT NULL,
                outcome TEXT NOT NULL, method TEXT NOT NULL, notes TEXT, revenue DOUBLE PRECISION,
                recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)
            """,
            "CREATE INDEX inspection_results_document ON inspection_results (document_number, kind)",
            "CREATE INDEX inspection_results_consignment ON inspection_results (consignment_id)",
        ] },
        Migration(version: 3, name: "users and sessions") { f in [
            """
            CREATE TABLE users (
                id \(f.autoID), username TEXT NOT NULL, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
                role TEXT NOT NULL, agency TEXT NOT NULL, language TEXT NOT NULL, disabled INTEGER NOT NULL,
                created_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX users_username ON users (username)",
            """
            CREATE TABLE user_units (
                user_id BIGINT NOT NULL REFERENCES users (id), unit_code TEXT NOT NULL REFERENCES units (code),
                PRIMARY KEY (user_id, unit_code))
            """,
            // The cookie carries a random token; only its SHA-256 is stored, so a copy of the database opens no session.
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), csrf_token TEXT NOT NULL,
                created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked INTEGER NOT NULL)
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
        ] },
        Migration(version: 4, name: "seizure lines and sign-in lock-out") { f in [
            // One row per kind of goods seized, dated and placed like its result, so that the register and the
            // dashboards count seizures without reading results.
            """
            CREATE TABLE seizure_lines (
                id \(f.autoID), result_id BIGINT NOT NULL REFERENCES inspection_results (id),
                consignment_id BIGINT NOT NULL REFERENCES consignments (id), line_no INTEGER NOT NULL,
                unit_code TEXT NOT NULL, seized_on TEXT NOT NULL, category TEXT NOT NULL, goods TEXT NOT NULL,
                quantity DOUBLE PRECISION NOT NULL, quantity_unit TEXT NOT NULL, concealment TEXT,
                estimated_value DOUBLE PRECISION)
            """,
            "CREATE INDEX seizure_lines_unit_day ON seizure_lines (unit_code, seized_on)",
            "CREATE INDEX seizure_lines_result ON seizure_lines (result_id)",
            "CREATE INDEX inspection_results_unit_day ON inspection_results (unit_code, inspected_on)",
            // Repeated failed sign-ins lock the account for a while, whoever is guessing and from wherever.
            "ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE users ADD COLUMN locked_until TEXT",
        ] },
        Migration(version: 5, name: "API tokens") { f in [
            // Like sessions: only the token's SHA-256 is stored; the token itself is shown once, when created.
            """
            CREATE TABLE api_tokens (
                id \(f.autoID), token_hash TEXT NOT NULL, user_id BIGINT NOT NULL REFERENCES users (id),
                name TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT,
                revoked INTEGER NOT NULL, last_used_at TEXT)
            """,
            "CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash)",
        ] },
        Migration(version: 6, name: "agencies") { _ in [
            // The agencies that staff the units; users name theirs by code. Users saved before keep theirs as written.
            "CREATE TABLE agencies (code TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT NOT NULL)",
        ] },
        Migration(version: 7, name: "node identity, peers and inbox") { _ in [
            // The node's public identity; its private key stays in a file of the node's account.
            "CREATE TABLE node_identity (name TEXT PRIMARY KEY, country TEXT NOT NULL, public_key TEXT NOT NULL, created_at TEXT NOT NULL)",
            """
            CREATE TABLE peers (
                name TEXT PRIMARY KEY, country TEXT NOT NULL, base_url TEXT NOT NULL, public_key TEXT NOT NULL, added_at TEXT NOT NULL)
            """,
            // Every envelope received, once: its id is the key, so a second delivery is recognised and a replay refused.
            """
            CREATE TABLE inbox (
                id TEXT PRIMARY KEY, sender_node TEXT NOT NULL, signature TEXT NOT NULL, kind TEXT NOT NULL,
                envelope TEXT NOT NULL, received_at TEXT NOT NULL)
            """,
        ] },
        Migration(version: 8, name: "messages between units, deliveries and alert watches") { _ in [
            // A message once, sent or received; the boxes say which units hold it, in their inbox or outbox.
            """
            CREATE TABLE messages (
                id TEXT PRIMARY KEY, thread TEXT NOT NULL, in_reply_to TEXT, kind TEXT NOT NULL, priority TEXT NOT NULL,
                language TEXT NOT NULL, sender_node TEXT NOT NULL, sender_unit TEXT NOT NULL, sent_by TEXT, channel TEXT NOT NULL,
                channel_label TEXT NOT NULL, subject TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL, stored_at TEXT NOT NULL)
            """,
            "CREATE INDEX messages_thread ON messages (thread, created_at)",
            """
            CREATE TABLE message_boxes (
                message_id TEXT NOT NULL REFERENCES messages (id), unit_code TEXT NOT NULL, box TEXT NOT NULL,
                read_at TEXT, state TEXT, PRIMARY KEY (message_id, unit_code, box))
            """,
            "CREATE INDEX message_boxes_unit ON message_boxes (unit_code, box, read_at)",
            // One row per envelope and peer: delivered, given up, or due again at next_attempt_at. An envelope carries
            // a message or an operation.
            """
            CREATE TABLE outbox (
                envelope_id TEXT NOT NULL, peer TEXT NOT NULL, envelope TEXT NOT NULL,
                attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL, last_error TEXT, delivered_at TEXT, failed_at TEXT,
                created_at TEXT NOT NULL, PRIMARY KEY (envelope_id, peer))
            """,
            // Only what waits is indexed: the courier's query stays quick however many deliveries are done.
            "CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL",
            // The containers an alert named, looked for in the recipient unit's cargo data over a window of days.
            """
            CREATE TABLE alert_watches (
                message_id TEXT NOT NULL REFERENCES messages (id), unit_code TEXT NOT NULL, container TEXT NOT NULL,
                from_day TEXT NOT NULL, until_day TEXT NOT NULL, PRIMARY KEY (message_id, unit_code, container))
            """,
            "CREATE INDEX alert_watches_unit ON alert_watches (unit_code, container)",
        ] },
        Migration(version: 9, name: "results restricted to the recording agency") { _ in [
            // The agency that alone reads a result's notes and seizure lines; NULL when the unit shares them. On the
            // lines too, so that the register and its counts filter without a join.
            "ALTER TABLE inspection_results ADD COLUMN restricted_to TEXT",
            "ALTER TABLE seizure_lines ADD COLUMN restricted_to TEXT",
        ] },
        Migration(version: 10, name: "joint operations") { _ in [
            // An operation as its coordinating node defined it (JSON), with the envelope that last distributed it.
            """
            CREATE TABLE operations (
                id TEXT PRIMARY KEY, coordinator_node TEXT NOT NULL, definition TEXT NOT NULL, envelope_id TEXT NOT NULL,
                updated_at TEXT NOT NULL)
            """,
            // A control made for an operation, and the people arrested.
            "ALTER TABLE inspection_results ADD COLUMN operation_id TEXT",
            "ALTER TABLE inspection_results ADD COLUMN arrests INTEGER",
            // The returns of the participating units, as each node received them (JSON), once per reporting node and result.
            """
            CREATE TABLE operation_returns (
                operation_id TEXT NOT NULL, node TEXT NOT NULL, reference TEXT NOT NULL, unit_code TEXT NOT NULL,
                return_date TEXT NOT NULL, content TEXT NOT NULL, received_at TEXT NOT NULL,
                PRIMARY KEY (operation_id, node, reference))
            """,
        ] },
        Migration(version: 11, name: "audit log") { _ in [
            // Append-only and hash-chained: each entry's hash covers its fields and the previous entry's hash, so that
            // `cordon audit verify` finds any entry edited or removed.
            """
            CREATE TABLE audit_log (
                seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
                details TEXT NOT NULL, origin TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_log_actor ON audit_log (actor, seq)",
            "CREATE INDEX audit_log_subject ON audit_log (subject, seq)",
        ] },
        Migration(version: 12, name: "four-eyes approvals and overrides") { f in [
            // A request for a decision a second person makes: the action as JSON, what it is about, and the decision.
            """
            CREATE TABLE approvals (
                id \(f.autoID), kind TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, unit_code TEXT,
                reason TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, status TEXT NOT NULL,
                decided_by TEXT, decided_at TEXT, note TEXT)
            """,
            "CREATE INDEX approvals_status ON approvals (status, id)",
            // One pending request per kind and subject: two would be decided twice.
            "CREATE UNIQUE INDEX approvals_one_pending ON approvals (kind, subject) WHERE status = 'pending'",
            // A person's release or selection of a target against the score. Kept apart from the targets, which a
            // rescored day replaces: a decision stays when the day is scored again. One per target of a day.
            """
            CREATE TABLE target_overrides (
                unit_code TEXT NOT NULL, day TEXT NOT NULL, consignment_id BIGINT NOT NULL REFERENCES consignments (id),
                action TEXT NOT NULL, reason TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL,
                approval_id BIGINT REFERENCES approvals (id), PRIMARY KEY (unit_code, day, consignment_id))
            """,
            "CREATE INDEX target_overrides_user ON target_overrides (decided_by, decided_at)",
        ] },
        Migration(version: 13, name: "signed audit checkpoints") { _ in [
            // The head of the audit log at a moment, signed with the node's key: a rewrite of the whole chain after it
            // (hashes recomputed) no longer matches, and nobody without the key can sign a new one.
            """
            CREATE TABLE audit_checkpoints (
                seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, at TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)
            """,
        ] },
        Migration(version: 14, name: "where sessions were opened") { _ in [
            // Shown to the user and to administrators, so that a session nobody recognises can be ended.
            "ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT ''",
        ] },
        Migration(version: 15, name: "second factor at sign-in") { _ in [
            // The base32 secret of the user's authenticator (empty: none), and the last step whose code was taken, so
            // that a code seen over a shoulder cannot be used again.
            "ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0",
            // A sign-in whose password was right and whose code is awaited: a short-lived token in its own cookie, never
            // a session. Like sessions, only the token's SHA-256 is stored.
            """
            CREATE TABLE sign_in_challenges (
                token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), expires_at TEXT NOT NULL,
                attempts INTEGER NOT NULL, origin TEXT NOT NULL)
            """,
        ] },
        Migration(version: 16, name: "background jobs, and claims so that several server processes share the work") { f in [
            // A delivery is claimed by one process until a moment: another process leaves it alone meanwhile, and takes
            // it over after that moment if the first one died.
            "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE outbox ADD COLUMN claimed_until TEXT",
            // Work done in the background, once per node however many processes run: a scheduled job's run_key names
            // its period (retention:2026-12-02), so that every process may enqueue it and only the first one counts.
            """
            CREATE TABLE jobs (
                id \(f.autoID), kind TEXT NOT NULL, run_key TEXT NOT NULL, status TEXT NOT NULL, run_at TEXT NOT NULL,
                attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, claimed_by TEXT, claimed_until TEXT,
                started_at TEXT, finished_at TEXT, result TEXT, last_error TEXT, requested_by TEXT NOT NULL,
                created_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX jobs_run_key ON jobs (run_key)",
            "CREATE INDEX jobs_due ON jobs (status, run_at)",
            // A purge of old cargo finds a document's targets, profile hits and overrides by the document.
            "CREATE INDEX targets_consignment ON targets (consignment_id)",
            "CREATE INDEX profile_hits_consignment ON profile_hits (consignment_id)",
            "CREATE INDEX target_overrides_consignment ON target_overrides (consignment_id)",
        ] },
        Migration(version: 17, name: "party names stored once, numbered") { f in [
            // Each distinct party identifier or upper-cased name once, numbered from its own id block; a party's search
            // entry is then (name number, document, role). With the text in every entry, intake spent two fifths of its
            // time inserting entries, comparing strings (30 MB of them for 200,000 BACUDA rows, 19 MB now); a search by
            // part of a name now reads the distinct names, not every entry. The entries are an index of the documents,
            // written and removed only with their document in one transaction: without foreign keys, whose two
            // look-ups per entry were a fifth of intake.
            "CREATE TABLE party_names (id \(f.idType) PRIMARY KEY, term TEXT NOT NULL)",
            "CREATE UNIQUE INDEX party_names_term ON party_names (term)",
            """
            INSERT INTO party_names (id, term)
            SELECT ROW_NUMBER() OVER (ORDER BY term), term FROM (SELECT DISTINCT term FROM consignment_party_terms) d
            """,
            "INSERT INTO id_blocks (name, next_id) SELECT 'party_names', COALESCE(MAX(id), 0) + 1 FROM party_names",
            """
            CREATE TABLE consignment_parties (
                name_id BIGINT NOT NULL,
                consignment_id BIGINT NOT NULL, role TEXT NOT NULL,
                PRIMARY KEY (name_id, consignment_id, role))\(f.clustered)
            """,
            """
            INSERT INTO consignment_parties (name_id, consignment_id, role)
            SELECT n.id, t.consignment_id, t.role FROM consignment_party_terms t JOIN party_names n ON n.term = t.term
            """,
            "DROP TABLE consignment_party_terms",
        ] },
        Migration(version: 18, name: "container entries without foreign keys") { f in [
            // Like the party entries (17): an index of the documents, written and removed only with its document in one
            // transaction. The look-up of the document for each entry was about a fifteenth of a BACUDA intake.
            """
            CREATE TABLE consignment_container_entries (
                number TEXT NOT NULL, consignment_id BIGINT NOT NULL, check_digit_valid INTEGER NOT NULL,
                PRIMARY KEY (number, consignment_id))\(f.clustered)
            """,
            """
            INSERT INTO consignment_container_entries (number, consignment_id, check_digit_valid)
            SELECT number, consignment_id, check_digit_valid FROM consignment_containers
            """,
            "DROP TABLE consignment_containers",
            "ALTER TABLE consignment_container_entries RENAME TO consignment_containers",
        ] },
        Migration(version: 19, name: "search entries in blocks of documents") { f in [
            // The search entries are keyed first by their document's block (its id div 4096, `Store.entryBlockSize`).
            // Keyed by name or number alone, every batch of a large intake wrote into nearly every page of these tables
            // (its names recur all over them), so the cost of a batch grew with the store: half of what SQLite did for a
            // 1,000,000-row intake. A batch now writes into the pages of its own few blocks. A search looks in each
            // block (`Store.entryBlocks`): a seek per block, thousands of blocks for millions of documents.
            """
            CREATE TABLE consignment_party_entries (
                block BIGINT NOT NULL, name_id BIGINT NOT NULL, consignment_id BIGINT NOT NULL, role TEXT NOT NULL,
                PRIMARY KEY (block, name_id, consignment_id, role))\(f.clustered)
            """,
            """
            INSERT INTO consignment_party_entries (block, name_id, consignment_id, role)
            SELECT consignment_id / 4096, name_id, consignment_id, role FROM consignment_parties
            """,
            "DROP TABLE consignment_parties",
            "ALTER TABLE consignment_party_entries RENAME TO consignment_parties",
            """
            CREATE TABLE consignment_container_entries (
                block BIGINT NOT NULL, number TEXT NOT NULL, consignment_id BIGINT NOT NULL, check_digit_valid INTEGER NOT NULL,
                PRIMARY KEY (block, number, consignment_id))\(f.clustered)
            """,
            """
            INSERT INTO consignment_container_entries (block, number, consignment_id, check_digit_valid)
            SELECT consignment_id / 4096, number, consignment_id, check_digit_valid FROM consignment_containers
            """,
            "DROP TABLE consignment_containers",
            "ALTER TABLE consignment_container_entries RENAME TO consignment_containers",
        ] },
    ]

    static var latest: Int { all.last?.version ?? 0 }
}
