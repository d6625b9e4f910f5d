import Foundation

/// A small KCS-format file with planted fraud: some importers cheat, and goods of chapter 24 are
/// under-valued when they cheat; everything else is honest noise.
public func plantedKCS(rows: Int, seed: UInt64, startMonth: Int) -> String {
    var rng = seed
    func next(_ n: Int) -> Int {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return Int((rng >> 33) % UInt64(n))
    }
    var text = "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud\n"
    let hs = ["240220", "090230", "847130", "610910", "870323", "392690"]
    for i in 0..<rows {
        let importer = "IMP\(next(60))"
        let cheater = importer.hasSuffix("7") || importer == "IMP13"
        let code = hs[next(hs.count)]
        let mass = Double(100 + next(5000))
        var price = mass * Double(10 + next(20))
        var fraud = cheater && next(10) < 8
        if code == "240220" && cheater { price /= 8; fraud = true }
        if !cheater && next(100) == 0 { fraud = true }
        let date = String(format: "2020-%02d-%02d", startMonth + i * 3 / rows, 1 + next(28))
        text += "\(seed)\(i),\(date),\(10 + next(5)),B,11,21,11,10,DEC\(next(20)),\(importer),SEL\(next(40)),,\(code),CN,CN,8.0,A,Y,\(mass),\(price),\(fraud ? 1 : 0),0\n"
    }
    return text
}
