import CordonCore
import Foundation
import Testing

@Suite("Work shared among the cores")
struct ParallelTests {
    /// An error of one item, to see that it comes back.
    struct Odd: Error, Equatable { let item: Int }

    @Test("every item once, results in order, parts of at least the minimum size; the error of an item is rethrown")
    func map() throws {
        for count in [0, 1, 255, 256, 511, 512, 513, 10_000] {
            let squares = Parallel.map(count, minimumPart: 256) { range in range.map { $0 * $0 } }
            #expect(squares.elementsEqual((0..<count).lazy.map { $0 * $0 }), "\(count) items")
            // The ranges themselves: consecutive, covering everything, none smaller than the minimum unless alone.
            let ranges = Parallel.map(count, minimumPart: 256) { range in [range] }
            #expect(ranges.first?.lowerBound ?? 0 == 0 && ranges.last?.upperBound ?? 0 == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.count == 1 || ranges.allSatisfy { $0.count >= 256 })
            #expect(ranges.count <= max(1, ProcessInfo.processInfo.activeProcessorCount))
        }
        #expect(throws: Odd(item: 7_777)) {
            _ = try Parallel.map(10_000, minimumPart: 100) { range throws(Odd) in
                try range.map { i throws(Odd) in
                    if i == 7_777 { throw Odd(item: i) }
                    return i
                }
            }
        }
    }
}
