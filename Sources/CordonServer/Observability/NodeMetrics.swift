import CordonCore
import CordonStore
import Foundation
import Metrics
import Prometheus

/// The node's metrics in the Prometheus text format: every swift-metrics counter, meter and timer of the process
/// (requests and their latencies, ingest, scoring, results, deliveries) and gauges read from the store when scraped
/// (controls waiting by unit, approvals pending, the outbox backlog).
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// The process's metrics. swift-metrics takes one backend per process, so there is exactly one of these; it is
    /// made (and the backend installed) on first use.
    public static let shared = NodeMetrics()

    private init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Prometheus names allow letters, digits, '_' and ':' only; Hummingbird's are dotted (hb.requests).
        factory.nameAndLabelSanitizer = { name, labels in
            (NodeMetrics.sanitized(name), labels.map { (NodeMetrics.sanitized($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
    }

    static var controlsWaiting: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "cordon_controls_waiting", unitName: "", helpText: "Targets selected for today with no inspection result yet")
    }
    static var approvalsPending: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "cordon_approvals_pending", unitName: "", helpText: "Four-eyes requests waiting for a second person")
    }
    static var outboxBacklog: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "cordon_outbox_backlog", unitName: "", helpText: "Envelopes not yet delivered to peer nodes")
    }

    static func sanitized(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }

    /// Sets the gauges from the store, then writes every metric in the Prometheus text format.
    public func exposition(store: Store, today: CalendarDate = .today) async throws -> String {
        let waiting = try await store.workWaiting(day: today)
        for (unit, n) in waiting.controlsWaiting {
            registry.makeGauge(descriptor: Self.controlsWaiting, labels: [("unit", unit)]).set(Double(n))
        }
        registry.makeGauge(descriptor: Self.approvalsPending).set(Double(waiting.approvalsPending))
        registry.makeGauge(descriptor: Self.outboxBacklog).set(Double(waiting.outboxBacklog))
        return registry.emitToString()
    }
}

/// The counters of what the node does, named once so that every place counts into the same series.
enum WorkCounters {
    static func ingested(_ counts: IntakeCounts, channel: String) {
        for (outcome, n) in [("accepted", counts.accepted), ("rejected", counts.rejected), ("duplicate", counts.duplicates)] where n > 0 {
            Counter(label: "cordon_ingest_records_total", dimensions: [("channel", channel), ("outcome", outcome)]).increment(by: n)
        }
    }

    static func scored(unit: String, documents: Int) {
        Counter(label: "cordon_days_scored_total", dimensions: [("unit", unit)]).increment()
        Counter(label: "cordon_documents_scored_total", dimensions: [("unit", unit)]).increment(by: documents)
    }

    static func result(_ outcome: InspectionOutcome, unit: String) {
        Counter(label: "cordon_results_recorded_total", dimensions: [("unit", unit), ("outcome", outcome.rawValue)]).increment()
    }

    static func delivery(_ outcome: String) {
        Counter(label: "cordon_envelopes_total", dimensions: [("outcome", outcome)]).increment()
    }

    static func job(_ kind: String, outcome: String) {
        Counter(label: "cordon_jobs_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
    }
}
