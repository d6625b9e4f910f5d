import ArgumentParser
import CordonRisk

/// Options of the commands that train a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Threads for XGBoost.")
    var threads = 1

    @Option(help: ArgumentHelp("A watch list (OFAC, UN, FollowTheMoney or CSV): parties' best match becomes a feature.",
                               valueName: "FILE"))
    var watchlist: String?

    var parameters: TrainingParameters {
        var p = TrainingParameters()
        p.threads = threads
        return p
    }

    /// The matcher of the watch list, if one was given; a list that cannot be read stops the command.
    func screening() throws -> NameMatcher? {
        guard let watchlist else { return nil }
        do { return NameMatcher(list: try WatchList.load(path: watchlist)) } catch {
            StandardError.write("cordon: \(error)\n")
            throw ExitCode(2)
        }
    }
}
