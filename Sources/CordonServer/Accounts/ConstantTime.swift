/// Compares two secrets (a token, a code) in time that depends on their length only, so that an attacker cannot
/// learn from the answer's timing how much of a guess was right.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    return x.count == y.count && zip(x, y).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
}
