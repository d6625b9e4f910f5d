import CordonExchange
import CordonRisk

/// How the node's web server runs.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Session cookies only over HTTPS. Browsers treat http://localhost as secure; a node on a LAN without TLS
    /// must turn this off (and should not exist: put it behind a TLS proxy).
    public var secureCookies: Bool
    public var sessionHours: Int
    /// Targets per page of the queue.
    public var pageSize: Int
    /// Failed sign-ins in a row that lock an account, and for how long.
    public var signInAttempts: Int
    public var lockMinutes: Int
    /// The node's watch list, for screening parties when a day is scored from the pages.
    public var screening: NameMatcher?
    /// The node's key, for the exchange with peer nodes; without it the node neither sends nor receives messages.
    public var identity: NodeIdentity?
    /// The background jobs: audit checkpoints, retention of cargo data, scheduled retraining.
    public var jobs = JobSchedule()
    /// Sign-in attempts from one address: enough for an office behind one address at the start of a shift, too few
    /// to try common passwords on every account (each account also locks after `signInAttempts` failures).
    public var signInLimit = RateLimit(20, per: 60)
    /// API requests with one token (or, without one, from one address).
    public var apiLimit = RateLimit(1200, per: 60)
    /// Envelopes from one peer address to the exchange inbox.
    public var exchangeLimit = RateLimit(600, per: 60)
    /// Addresses of reverse proxies whose X-Forwarded-For names the client (for the audit log and the rate limits).
    public var trustedProxies: Set<String> = []
    /// The process's metrics, served at /metrics (nil: no /metrics).
    public var metrics: NodeMetrics?
    /// When set, /metrics answers only requests with this bearer token (Prometheus's `authorization` setting).
    public var metricsToken: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = true, sessionHours: Int = 12, pageSize: Int = 50,
                signInAttempts: Int = 5, lockMinutes: Int = 15, screening: NameMatcher? = nil,
                identity: NodeIdentity? = nil) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionHours = sessionHours
        self.pageSize = pageSize
        self.signInAttempts = signInAttempts
        self.lockMinutes = lockMinutes
        self.screening = screening
        self.identity = identity
    }
}
