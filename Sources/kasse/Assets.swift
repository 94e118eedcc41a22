import Foundation

/// Finds the `assets/` folder: `$KASSE_ASSETS`, then `./assets`, then beside the source
/// tree the executable was built in (`swift run`), then an installed `share/kasse/assets`.
enum Assets {
    static func path(_ name: String) -> String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["KASSE_ASSETS"], !env.isEmpty { candidates.append(env) }
        candidates.append(FileManager.default.currentDirectoryPath + "/assets")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("../../../assets").standardized.path)
        candidates.append(executable.appendingPathComponent("../../assets").standardized.path)
        candidates.append(executable.appendingPathComponent("../share/kasse/assets").standardized.path)
        for directory in candidates {
            let file = directory + "/" + name
            if FileManager.default.fileExists(atPath: file) { return file }
        }
        return nil
    }
}
