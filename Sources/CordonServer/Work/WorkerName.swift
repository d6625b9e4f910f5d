import Foundation

/// The name of this process in the claims it takes on shared work (deliveries, jobs): host, process id and a random
/// part, so that a restarted process with a reused id is still another claimant.
public enum WorkerName {
    public static let current: String = {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(random)"
    }()
}
