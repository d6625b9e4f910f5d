import CordonCore
import Foundation
import Testing

@Suite("Timestamps in ISO 8601")
struct TimestampTests {
    @Test("written like Foundation's ISO8601DateFormatter, to the second and to the millisecond, and read back")
    func sameAsFoundation() {
        let plain = ISO8601DateFormatter()
        let precise = ISO8601DateFormatter()
        precise.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // From 1970 to 2100, whole milliseconds (as stored).
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 0..<4_102_444_800_000, using: &g)) / 1000)
            #expect(Timestamp.iso(date) == plain.string(from: date))
            #expect(Timestamp.iso(date, milliseconds: true) == precise.string(from: date))
            #expect(abs(Timestamp.date(Timestamp.iso(date, milliseconds: true))!.timeIntervalSince(date)) < 0.0005)
        }
        #expect(Timestamp.iso(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.iso(Date(timeIntervalSince1970: 1_796_095_201.9996), milliseconds: true) == "2026-12-01T03:20:02.000Z")
    }

    @Test("reads what the store and the envelopes write, and nothing else")
    func reading() {
        #expect(Timestamp.date("2026-12-01T05:20:01Z") == Date(timeIntervalSince1970: 1_796_102_401))
        #expect(Timestamp.date("2026-12-01T05:20:01.25Z") == Date(timeIntervalSince1970: 1_796_102_401.25))
        for bad in ["", "2026-12-01", "2026-12-01T05:20:01", "2026-12-01 05:20:01Z", "2026-13-01T05:20:01Z", "2026-12-01T25:20:01Z",
                    "2026-12-01T05:20:01.Z", "2026-12-01T05:20:01+01:00", "2026-12-01T05:2x:01Z"] {
            #expect(Timestamp.date(bad) == nil, "\(bad)")
        }
    }
}
