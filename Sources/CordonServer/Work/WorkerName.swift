import Foundation

/// The name of this process in the claims it takes on shared work (deliveries, jobs): host, process id and a random
/// part, so that a restarted process with a reused id is still another claimant.
public enum WorkerName {
    public static let current: String = {
        // The kernel's host name as it is: no name lookup at start-up (a node may sit behind a slow or absent DNS).
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(random)"
    }()
}
